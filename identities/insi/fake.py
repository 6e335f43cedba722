"""FakeInsiClient: scripted answers for service, view and task tests; records the queries it got."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from .errors import InsiError
from .types import NOT_FOUND, SearchResult, TraitsQuery, VitaleQuery

Answer = SearchResult | InsiError | Callable[[TraitsQuery | VitaleQuery], SearchResult]


class FakeInsiClient:
    """Answers from `script` in order (the last one repeats); default: 01 for everything."""

    def __init__(self, *script: Answer):
        self.script = list(script) or [SearchResult(code=NOT_FOUND, label="Aucune identite trouvee")]
        self.queries: list[TraitsQuery | VitaleQuery] = []

    def _answer(self, query: TraitsQuery | VitaleQuery) -> SearchResult:
        self.queries.append(query)
        answer = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        message_id = f"uuid:{uuid.uuid4()}"
        if isinstance(answer, InsiError):
            answer.message_id = message_id
            raise answer
        result = answer(query) if callable(answer) else answer
        return SearchResult(code=result.code, label=result.label, identity=result.identity, message_id=message_id)

    def search_by_traits(self, query: TraitsQuery) -> SearchResult:
        return self._answer(query)

    def search_by_vitale(self, query: VitaleQuery) -> SearchResult:
        return self._answer(query)
