"""A Spark script for tests: copy INPUT to OUTPUT with every line upper-cased."""

import sys

from pyspark import SparkContext


def main():
    input_path, output_path = sys.argv[1:]
    sc = SparkContext(appName="upper-case lines")
    sc.textFile(input_path).map(lambda line: line.upper()).saveAsTextFile(output_path)
    sc.stop()


if __name__ == "__main__":
    main()
