import pytest

from streamr.step import (
    INPUT,
    OUTPUT,
    JarStep,
    MRStep,
    StepFailedException,
    identity_mapper,
    identity_reducer,
)


def mapper(key, value):
    yield key, value


def reducer(key, values):
    yield key, sum(values)


def test_step_needs_a_task():
    with pytest.raises(ValueError, match="no mappers and no reducers"):
        MRStep()


def test_unknown_keyword_is_refused():
    with pytest.raises(TypeError, match="mappr"):
        MRStep(mappr=mapper)


@pytest.mark.parametrize("kwargs", [
    {"mapper_cmd": "cat", "mapper": mapper},
    {"mapper_cmd": "cat", "mapper_init": mapper},
    {"mapper_raw": mapper, "mapper": mapper},
    {"combiner_cmd": "cat", "combiner": reducer},
    {"reducer_cmd": "cat", "reducer_final": reducer},
])
def test_conflicting_parts_are_refused(kwargs):
    with pytest.raises(ValueError, match="Can't specify both"):
        MRStep(**kwargs)


def test_identity_parts_fill_gaps():
    step = MRStep(reducer_init=lambda: None)
    assert step["mapper"] is identity_mapper
    assert step["reducer"] is identity_reducer
    assert step["combiner"] is None
    assert MRStep(combiner_final=lambda: None)["combiner"] is identity_reducer


def test_description_of_first_and_later_steps():
    assert MRStep(reducer=reducer).description(0) == {
        "type": "streaming", "mapper": {"type": "script"}, "reducer": {"type": "script"}}
    assert MRStep(reducer=reducer).description(1) == {
        "type": "streaming", "reducer": {"type": "script"}}


def test_description_of_commands_filters_raw_and_jobconf():
    step = MRStep(mapper_cmd=["grep", "a b"], reducer_pre_filter="sort -u", reducer=reducer,
                  jobconf={"x": "1"})
    assert step.description(0) == {
        "type": "streaming",
        "mapper": {"type": "command", "command": "grep 'a b'"},
        "reducer": {"type": "script", "pre_filter": "sort -u"},
        "jobconf": {"x": "1"},
    }
    assert MRStep(mapper_raw=mapper).description(0)["input_manifest"] is True


def test_steps_compare_by_parts():
    assert MRStep(mapper=mapper) == MRStep(mapper=mapper)
    assert MRStep(mapper=mapper) != MRStep(reducer=reducer)
    assert "mapper=" in repr(MRStep(mapper=mapper))


def test_jar_step_description():
    step = JarStep("s3://b/x.jar", args=[INPUT, OUTPUT, "-v"], main_class="Main")
    assert step.description(3) == {"type": "jar", "jar": "s3://b/x.jar",
                                    "args": ["<input>", "<output>", "-v"],
                                    "main_class": "Main", "jobconf": {}}
    assert step == JarStep("s3://b/x.jar", args=[INPUT, OUTPUT, "-v"], main_class="Main")
    with pytest.raises(TypeError):
        JarStep(None)


def test_step_failed_exception_text():
    assert str(StepFailedException("bad", step_num=1, num_steps=3)) == "Step 2 of 3 failed: bad"
    assert str(StepFailedException(step_num=0, last_step_num=2)) == "Steps 1-3 failed"
    assert str(StepFailedException(step_desc="Setup")) == "Setup failed"
    assert "reason='x'" in repr(StepFailedException("x"))
