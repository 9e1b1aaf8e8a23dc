"""Speakers of direct quotations, resolved with the dependency parse.

- :mod:`factlake.extract.speakers.rules`: the ordered speaker rules (``RULES``) and the function trying
  them (``resolve_speaker``);
- :mod:`factlake.extract.speakers.attribution`: the attribution right after a quote (the first rule);
- :mod:`factlake.extract.speakers.names`: from a subject token to the speaker it names;
- :mod:`factlake.extract.speakers.context`: the article as the rules read it, and their shared lookups.
"""
