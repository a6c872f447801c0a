"""The smallest Python program directory: it exports its own process id (which process ran an operation)."""

import os

import pulumi

pulumi.export("program_pid", os.getpid())
