"""The Python twin of examples/typescript: Things of the tests' `testprov` plugin, through the SDK's runtime."""

from typing import Any

import pulumi


class Thing(pulumi.CustomResource):
    key: pulumi.Output[str]
    value: pulumi.Output[Any]
    pid: pulumi.Output[int]
    timeout: pulumi.Output[float]
    startedAt: pulumi.Output[float]
    finishedAt: pulumi.Output[float]
    region: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(("pid", "timeout", "startedAt", "finishedAt", "region"))
        super().__init__("testprov:index:Thing", name, {**props, **outputs}, opts)


config = pulumi.Config()
key = config.require("key")

first = Thing("first", {"key": key, "value": config.require_secret("token"), "sleep": config.get_float("sleep")})
second = Thing(
    "second",
    {
        "key": first.key.apply(lambda k: f"{k}-second"),
        "fail": config.get("failSecond"),
        "waitForCancel": config.get_bool("waitForCancel"),
    },
    pulumi.ResourceOptions(depends_on=[first], custom_timeouts=pulumi.CustomTimeouts(create="90s")),
)
if config.get_bool("throw"):
    raise ValueError(f"the program is broken after creating {key}")

found = pulumi.runtime.invoke("testprov:index:getThing", {"key": key}).value

pulumi.export("firstId", first.id)
pulumi.export("firstValue", first.value)
pulumi.export("firstPid", first.pid)
pulumi.export("firstFinishedAt", first.finishedAt)
pulumi.export("secondStartedAt", second.startedAt)
pulumi.export("secondTimeout", second.timeout)
pulumi.export("region", second.region)
pulumi.export("foundExists", found["exists"])
