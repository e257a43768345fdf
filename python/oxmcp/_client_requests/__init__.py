"""Server -> client requests (elicitation, sampling, roots): their wire params, and typed answers.

Pure functions, no I/O. `Context` builds a request's params here, checks the client declared the
capability it needs (`client_supports`), sends the request, and hands the client's raw result dict back
here to decode:

* ``elicitation/create``: `elicitation_params` -> (params, decoder); `decode_elicit_result(raw, decoder)`
  -> `ElicitResult` whose ``data`` is the answer as the requested type (dataclass, TypedDict, pydantic
  model, or a dict);
* ``sampling/createMessage``: `sampling_params` -> params; `decode_sampling_result(raw)` ->
  `CreateMessageResult`;
* ``roots/list``: `roots_params` -> ``{}``; `decode_roots(raw)` -> list of `Root`.

Malformed answers from the client raise `ValueError` (naming the field where there is one); mistakes in
what the server asks for (a nested type in an elicitation form, a bad argument) raise `TypeError` or
`ValueError` before anything is sent. pydantic is never imported here: a class is treated as a pydantic
model only when ``pydantic`` is already in ``sys.modules``.

One module per request family (`elicitation`, with its forms in `elicitation_form`; `sampling`; `roots`),
and `capabilities` for what each request needs from the client.
"""

from __future__ import annotations

from .capabilities import (
    ELICITATION_CREATE,
    ROOTS_LIST,
    SAMPLING_CREATE_MESSAGE,
    client_supports,
    required_capability,
)
from .elicitation import Decoder, decode_elicit_result, elicitation_params
from .roots import decode_roots, roots_params
from .sampling import decode_sampling_result, sampling_params

__all__ = [
    "ELICITATION_CREATE",
    "ROOTS_LIST",
    "SAMPLING_CREATE_MESSAGE",
    "Decoder",
    "client_supports",
    "decode_elicit_result",
    "decode_roots",
    "decode_sampling_result",
    "elicitation_params",
    "required_capability",
    "roots_params",
    "sampling_params",
]
