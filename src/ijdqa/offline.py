"""Nothing leaves the machine: the opt-outs of the libraries that would otherwise phone home.

- onnxruntime 1.29+ on Linux sends telemetry (DNS look-ups of mobile.events.data.microsoft.com)
  from every process that creates an InferenceSession and writes a device id under
  ~/.cache/Microsoft/; `ORT_DISABLE_TELEMETRY=1` stops it, but only when it is set before
  onnxruntime is imported (measured: set after the import, the folder is still written);
- Chroma's product telemetry: `ANONYMIZED_TELEMETRY=False` (search/store.py also passes
  `anonymized_telemetry=False` to every client);
- Gradio's analytics and version check: `GRADIO_ANALYTICS_ENABLED=False`;
- huggingface_hub's telemetry: `HF_HUB_DISABLE_TELEMETRY=1`;
- huggingface_hub and transformers never reach the network for the model (it is a local
  folder): `HF_HUB_OFFLINE=1`, `TRANSFORMERS_OFFLINE=1`; and they stay quiet on stderr
  (`HF_HUB_DISABLE_PROGRESS_BARS=1`, `TRANSFORMERS_VERBOSITY=error`).

One runtime default rides along, not about the network: `OMP_WAIT_POLICY=PASSIVE`, so the
local LLM's OpenMP threads (llama.cpp) sleep rather than spin while they wait; with other
processes busy on a 2-core machine, spinning threads made 40 tokens take 45 s instead of 2 s.
It is only a default: a value the user set is kept.

`opt_out()` sets them (overriding any other value: there is no opting back in) and is called
first thing by every entry point, and only there: `ijdqa` (cli.main, hence `python -m ijdqa`,
`ijdqa chat`, `ijdqa eval`), `python -m ijdqa.evaluation.calibrate`, the bench scripts and
tests/conftest.py. The library itself never changes the environment; a program that uses it
directly calls `opt_out()` before it imports anything else of ijdqa. Importing this module
does nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

OPT_OUTS: dict[str, str] = {
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}
RUNTIME_DEFAULTS: dict[str, str] = {"OMP_WAIT_POLICY": "PASSIVE"}
# the modules that read their opt-out once, when they are imported
READ_AT_IMPORT: dict[str, str] = {
    "onnxruntime": "ORT_DISABLE_TELEMETRY",
    "gradio": "GRADIO_ANALYTICS_ENABLED",
}


def opt_out(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set every opt-out in `environ` (default os.environ).

    Returns the modules that were imported before their opt-out was in place (and so may still
    phone home in this process); empty when called early enough.
    """
    env = os.environ if environ is None else environ
    late = [
        module
        for module, name in READ_AT_IMPORT.items()
        if module in sys.modules and env.get(name) != OPT_OUTS[name]
    ]
    env.update(OPT_OUTS)
    for name, value in RUNTIME_DEFAULTS.items():
        env.setdefault(name, value)
    return late
