"""pdfminer's page interpreter (the engine under pdfplumber) with its content streams
split into operators by qpdf instead of pdfminer's own Python lexer.

Everything that decides what a page's text is stays pdfminer's: fonts, encodings, the
text and graphics state, character positions, form XObjects. Only the lexing moves to
C++: on a journal export's grid page pdfminer spent 26 of its 39 ms splitting ~6 600
tokens, qpdf does it in ~6 ms. A stream qpdf cannot parse is left to pdfminer's lexer
whole, so a damaged page reads exactly as pdfplumber alone would read it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, cast

import pikepdf
from pdfminer.pdfinterp import PDFPageInterpreter, PDFStackT
from pdfminer.pdftypes import PDFStream, stream_value
from pdfminer.psparser import LIT

Handler = tuple[Callable[..., None], int]
_UNSEEN: Handler = (lambda: None, -1)  # a handler not looked up yet (None: no handler)

# The operators that decide where text is and what it says: the graphics state stack and
# matrix, text objects and state, text showing, and XObjects (forms hold text too).
# Paths, colours, shadings, inline images and marked content change no character's text
# or box, so qpdf drops them and their operands before Python sees them; on a ruled
# journal page they are ~40 % of all tokens.
TEXT_OPERATORS = "q Q cm BT ET Tc Tw Tz TL Tf Tr Ts Td TD Tm T* Tj TJ ' \" Do"


class QpdfLexedInterpreter(PDFPageInterpreter):
    """A `PDFPageInterpreter` that takes its operators and operands from qpdf's lexer.

    pdfminer's `dup`/`subinterp` build form XObjects' interpreters from `self.__class__`,
    so nested content is lexed the same way.
    """

    def execute(self, streams: Sequence[object]) -> None:
        content = self._content(streams)
        if content is None:
            return
        try:
            with pikepdf.new() as scratch:
                instructions = pikepdf.parse_content_stream(
                    pikepdf.Stream(scratch, content), TEXT_OPERATORS
                )
        except pikepdf.PdfError:
            super().execute(streams)
            return
        # Converted and run in one pass: no list of the page's ~1 700 instructions is
        # built first, and each handler is looked up once per operator name.
        handlers: dict[str, Handler | None] = {}
        for instruction in instructions:
            if type(instruction) is not pikepdf.ContentStreamInstruction:
                continue  # an inline image, which qpdf reports whatever the filter
            operator = str(instruction.operator)
            handler = handlers.get(operator, _UNSEEN)
            if handler is _UNSEEN:
                handler = handlers[operator] = self._handler(operator)
            if handler is None:
                continue
            func, nargs = handler
            if nargs == 0:
                func()
                continue
            operands = instruction.operands
            count = len(operands)
            if count == nargs:  # nearly always: slicing qpdf's list makes a new one
                func(*[_operand(o) for o in operands])
            elif count > nargs:  # pdfminer pops the last nargs operands
                func(*[_operand(o) for o in operands[count - nargs :]])

    def _content(self, streams: Sequence[object]) -> bytes | None:
        """The streams' decoded data joined as one content stream (PDF 32000 §7.8.2: they
        divide only between tokens), refusing a stream already being executed further up,
        as pdfminer does against circular form XObjects."""
        self.stream_ids.clear()
        parts: list[bytes] = []
        for obj in streams:
            stream = stream_value(obj)
            if stream.objid is None or stream.objid in self.parent_stream_ids:
                continue
            self.stream_ids.add(stream.objid)
            parts.append(_data(stream))
        return b"\n".join(parts) if parts else None

    def _handler(self, operator: str) -> Handler | None:
        name = "do_" + operator.replace("*", "_a").replace('"', "_w").replace("'", "_q")
        func = getattr(self, name, None)
        if func is None:
            return None
        return func, func.__code__.co_argcount - 1


def _data(stream: PDFStream) -> bytes:
    data = stream.get_data()
    return data if isinstance(data, bytes) else b""


def _operand(obj: Any) -> PDFStackT | None:
    """A qpdf operand as pdfminer's lexer would have produced it (None for `null`, which
    no text operator takes).

    Dispatched on the Python type, then on qpdf's own type code: `isinstance(obj,
    pikepdf.String)` goes through pikepdf's metaclass check, and on a journal grid page
    (~4 400 numbers and ~2 200 strings) the chain of such checks cost 6 ms.
    """
    kind = type(obj)
    if kind is Decimal:
        return float(obj)
    if kind is int or kind is float or kind is bool or obj is None:
        return cast(PDFStackT, obj)
    if kind is not pikepdf.Object:
        return None
    code = obj._type_code
    if code is _STRING:
        return bytes(obj)
    if code is _NAME:
        return LIT(str(obj)[1:])
    if code is _ARRAY:
        return [_operand(o) for o in obj]
    if code is _DICTIONARY:
        return {str(k)[1:]: _operand(v) for k, v in obj.items()}
    return None


_STRING, _NAME = pikepdf.ObjectType.string, pikepdf.ObjectType.name_
_ARRAY, _DICTIONARY = pikepdf.ObjectType.array, pikepdf.ObjectType.dictionary
