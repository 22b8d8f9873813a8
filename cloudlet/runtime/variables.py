"""The environment AWS gives a function: its own variables, then the reserved ones."""

from __future__ import annotations

import os
import sys

from cloudlet.runtime.layout import Layout
from cloudlet.runtime.spec import FunctionSpec


def function_variables(
    spec: FunctionSpec, endpoint: str, credentials: dict[str, str], layout: Layout
) -> dict[str, str]:
    """Everything but the Runtime API's address and the log stream, which the environment adds."""
    opts = layout.opts
    variables = dict(spec.environment)
    variables.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_ENDPOINT_URL": endpoint,
            "_HANDLER": spec.handler,
            "LAMBDA_TASK_ROOT": layout.task_root,
            "LAMBDA_RUNTIME_DIR": layout.runtime_dir,
            "PATH": os.pathsep.join(
                [
                    *([os.path.dirname(layout.python)] if layout.python else []),
                    "/usr/local/bin",
                    "/usr/bin",
                    "/bin",
                    *(os.path.join(opt, "bin") for opt in opts),
                ]
            ),
            "LD_LIBRARY_PATH": os.pathsep.join(os.path.join(opt, "lib") for opt in opts),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join([*_python_paths(spec, layout), layout.runtime_dir]),
            "TMPDIR": layout.tmp,
            "HOME": layout.tmp,
            **credentials,
        }
    )
    if spec.log_format == "JSON":
        variables["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        variables["AWS_LAMBDA_LOG_LEVEL"] = spec.log_level or "INFO"
    if spec.is_custom:
        variables.pop("PYTHONPATH")
    if not opts:
        variables.pop("LD_LIBRARY_PATH")
    return variables


def _python_paths(spec: FunctionSpec, layout: Layout) -> list[str]:
    # python/lib/pythonX.Y/site-packages for the configured runtime and, when it differs, for
    # the interpreter that actually runs the function.
    versions = dict.fromkeys([spec.runtime, f"python{sys.version_info.major}.{sys.version_info.minor}"])
    paths = [layout.task_root]
    for opt in layout.opts:
        paths += [
            os.path.join(opt, "python", "lib", v, "site-packages") for v in versions if v.startswith("python")
        ]
        paths.append(os.path.join(opt, "python"))
    return paths
