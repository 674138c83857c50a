"""JSON bodies with a size limit, so one request cannot hold a worker's memory."""

import io
from typing import IO, Any

from rest_framework.parsers import JSONParser

from consent.api.exceptions import RequestTooLarge

# 1,000 subject-purpose pairs with long ids fit in well under this.
MAX_BODY_BYTES = 256 * 1024


class LimitedJSONParser(JSONParser):
    """Parse JSON, refusing bodies over MAX_BODY_BYTES with a 413."""

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > MAX_BODY_BYTES:
            raise RequestTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        body = stream.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise RequestTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        return super().parse(io.BytesIO(body), media_type, parser_context)
