"""Reading and parsing a batch of discovered inputs (the body of the flow's parse task)."""

from __future__ import annotations

from factlake.config import ParseConfig
from factlake.discover import InputFile, opened_input, read_input, reject_record
from factlake.errors import BadInputError, TransientError
from factlake.inputs import is_warc
from factlake.inputs.warc import parse_warc_stream
from factlake.parse import ParseOutcome, parse_input, parser_for, unexpected_reject
from factlake.reference import Reference


def read_and_parse(inputs: list[InputFile], config: ParseConfig, reference: Reference) -> ParseOutcome:
    """Read and parse every input of a batch, in order: the articles and rejects of them all.

    An input that cannot be read for a reason of its own (too large, permission denied, or an unexpected
    error) becomes a ``rejects`` row of stage ``read``; a :class:`~factlake.errors.TransientError`
    propagates so the task is retried. A web archive is streamed record by record, never read whole.
    """
    outcome = ParseOutcome(articles=[], rejects=[])
    for parsed in read_and_parse_each(inputs, config, reference):
        outcome.articles.extend(parsed.articles)
        outcome.rejects.extend(parsed.rejects)
    return outcome


def read_and_parse_each(
    inputs: list[InputFile], config: ParseConfig, reference: Reference
) -> list[ParseOutcome]:
    """The outcome of each input of a batch, in order (as :func:`read_and_parse`, one per input, so that
    each can be cached on its own)."""
    return [_read_and_parse_one(input_file, config, reference) for input_file in inputs]


def _read_and_parse_one(input_file: InputFile, config: ParseConfig, reference: Reference) -> ParseOutcome:
    """The articles and rejects of one input."""
    if is_warc(input_file.source_uri):
        return _stream_warc(input_file, config, reference)
    try:
        data = read_input(input_file, config)
    except BadInputError as error:
        return ParseOutcome(rejects=[reject_record(input_file.source_uri, "read", error.error, error.detail)])
    except TransientError:
        raise
    except Exception as error:  # one input must not stop the run
        return ParseOutcome(rejects=[unexpected_reject(input_file.source_uri, "read", error)])
    return parse_input(input_file.source_uri, data, config, reference)


def _stream_warc(input_file: InputFile, config: ParseConfig, reference: Reference) -> ParseOutcome:
    """The articles and rejects of one web archive, read as a stream through its safely opened file.

    Raises:
        TransientError: An I/O error while reading (the task is retried).
    """
    try:
        with opened_input(input_file) as handle:
            return parse_warc_stream(input_file.source_uri, handle, config, parser_for(reference))
    except BadInputError as error:
        return ParseOutcome(rejects=[reject_record(input_file.source_uri, "read", error.error, error.detail)])
    except TransientError:
        raise
    except Exception as error:  # one input must not stop the run
        return ParseOutcome(rejects=[unexpected_reject(input_file.source_uri, "read", error)])
