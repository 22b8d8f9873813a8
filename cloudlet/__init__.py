"""cloudlet: the AWS serverless stack as one Python program."""

__version__ = "0.1.0"
