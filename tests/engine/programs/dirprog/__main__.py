"""A program directory, run by LocalEngine the way the Python language host runs `pulumi up` here."""

import os

import localprovider
import pulumi

config = pulumi.Config("test")
thing = localprovider.Local("local", greeting=f"hello from {config.require('region')}")
pulumi.export("greeting", thing.greeting)
pulumi.export("host_pid", thing.pid)
pulumi.export("host_cwd", thing.cwd)
pulumi.export("program_cwd", os.getcwd())
pulumi.export("token", config.require_secret("token"))
