"""A run's command line as the history keeps it: secrets masked.

The record is read by everyone who can read the history (a shared S3
prefix, a dashboard), so a secret given on the command line must not reach
it. The rule is streamr's one rule for secrets
(:func:`streamr.option_type.looks_secret`, the one ``streamr conf show``
and the EMR runner's step arguments follow): a value is masked when the
name it is given under looks secret. That covers ``NAME=VALUE`` arguments
(``--cmdenv API_TOKEN=...``, ``-D fs.s3a.secret.key=...``) and switches,
the job's own included (``--api-key VALUE``, ``--api-key=VALUE``).

A masked command line cannot be run again as it is: :func:`mask_argv` says
which names were masked, so ``streamr runs rerun`` can say which values to
give again.
"""

from __future__ import annotations

from streamr.option_type import MASK, looks_secret

__all__ = ["mask_argv"]


def _secret_switch(arg: str) -> bool:
    return arg.startswith("-") and len(arg) > 1 and looks_secret(arg.lstrip("-"))


def mask_argv(argv: list) -> tuple[list, list]:
    """*argv* with secret values masked, and the names whose values were
    (in order, each once)."""
    result: list = []
    names: list = []

    def masked(name: str) -> None:
        if name not in names:
            names.append(name)

    after_secret_switch = False
    for arg in argv:
        arg = str(arg)
        if after_secret_switch and not arg.startswith("-"):
            result.append(MASK)
            after_secret_switch = False
            continue
        after_secret_switch = False
        name, sep, value = arg.partition("=")
        if sep and value and looks_secret(name.lstrip("-")):
            # --switch=VALUE, NAME=VALUE after -D or --cmdenv, or -DNAME=VALUE
            result.append("%s=%s" % (name, MASK))
            masked(name)
            continue
        if _secret_switch(arg) and not sep:
            after_secret_switch = True
            masked(arg)
        result.append(arg)
    return result, names
