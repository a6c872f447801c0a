"""A provider plugin on the SDK's `pulumi.provider.experimental` API — what the native `nuon` plugin is built on —
for the LocalEngine tests: package `expprov`, resource `expprov:index:Echo`, function `expprov:index:shout`.

Run as the engine runs a plugin (`python experimental_plugin.py <engine address>`), it serves through the SDK's own
`server.main` (one asyncio loop; Handshake unimplemented; Configure's defaults: secrets accepted, previews
supported). Echo's outputs are its inputs plus `greeting` (from the `expprov:greeting` config) and `previewed`
(whether Create ran as a preview, where `greeting` is the SDK's unknown sentinel: `PropertyValue.computed()` cannot
be sent back).
"""

from __future__ import annotations

import sys
import uuid

from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    InvokeRequest,
    InvokeResponse,
    Provider,
)
from pulumi.provider.experimental.server import main
from pulumi.runtime.rpc import UNKNOWN


class EchoProvider(Provider):
    greeting = ""

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        value = request.args.get("greeting")
        self.greeting = str(value.value) if value is not None else ""
        return await super().configure(request)

    async def create(self, request: CreateRequest) -> CreateResponse:
        outputs = dict(request.properties)
        outputs["greeting"] = PropertyValue(UNKNOWN if request.preview else self.greeting)
        outputs["previewed"] = PropertyValue(request.preview)
        return CreateResponse(resource_id=None if request.preview else uuid.uuid4().hex, properties=outputs)

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        said = request.args["text"]
        shouted = PropertyValue(str(said.value).upper(), is_secret=said.is_secret)
        return InvokeResponse(return_value={"shouted": shouted})


if __name__ == "__main__":
    main(sys.argv[1:], "0.0.1", EchoProvider())
