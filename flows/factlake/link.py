"""Dataset-wide entity linking: one canonical name per entity across all articles.

Extraction names entities within one article ("Putin" → "Vladimir Putin" when that article says so). This
stage, run once after all articles are extracted, links across articles:

- curated aliases from ``aliases.csv`` ("Karabakh" → "Nagorno-Karabakh", "EU" → "European Union");
- a person named by a surname alone in an article becomes the unique full name sharing that surname in the
  dataset (an ambiguous surname stays as written), and a full name written with a middle initial the
  same name without it ("Donald J. Trump" → "Donald Trump") unless several initialed variants exist;
- a title written before a person ("Russian President Vladimir Putin") makes the titled form an alias of
  that person. A role alone ("Russian President", "Kremlin spokesman") is never linked here: who holds a
  role depends on the date, so only the article (or the dated ``roles.csv`` row in force on its date)
  names its holder, during extraction; a role left unresolved there stays the role;
- a one-word name most of whose mentions in the dataset are people ("Trump", tagged an organization by
  spaCy in some articles) is read as a person's surname;
- each canonical entity gets the type most of its mentions have (a one-word name: most mentions written
  that way).

Metonymy is not merged ("Kremlin" and "Moscow" stay apart from "Russia"): see ``aliases.csv``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import pandas as pd

from factlake.extract.entities import TYPE_PRIORITY, longest_person_name, normalize_key
from factlake.records import contract_frame, stable_id, to_frame
from factlake.reference import Reference
from schemas.tables import SORT_KEYS

#: A middle initial written inside a full name ("J." in "Donald J. Trump").
MIDDLE_INITIAL = re.compile(r"[A-Z]\.")
#: Mention columns holding entity names, rewritten by :func:`canonicalize_mentions`.
NAME_COLUMNS = ("speaker", "location")
LIST_NAME_COLUMNS = ("actors", "source_actors", "target_actors")


#: Entity mentions as records (see :class:`factlake.extract.Extraction`) or as a frame of the same
#: columns (:class:`factlake.cache.BoundExtraction`).
EntityMentions = list[dict[str, Any]] | pd.DataFrame


def _entity_columns(entity_mentions: EntityMentions, *names: str) -> list[list[Any]]:
    """The values of fields ``names`` of every entity mention, one list per field (None when missing)."""
    if isinstance(entity_mentions, pd.DataFrame):
        return [entity_mentions[name].tolist() for name in names]
    return [[mention.get(name) for mention in entity_mentions] for name in names]


def link_entities(
    entity_mentions: EntityMentions, reference: Reference
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The ``entities`` table and the mapping from every name form to its canonical name.

    Args:
        entity_mentions: Entity mentions of all articles, as records or as a frame.
        reference: ``aliases.csv`` (alias, name, entity_type).

    Returns:
        The table (``entity_id = stable_id(entity_type, name)``, sorted like the published table) and a
        dict mapping each surface form, article-level name and titled form to the canonical name.
        Canonical names map to themselves.
    """
    aliases = {normalize_key(row["alias"]): row["name"] for row in reference.table("aliases")}
    article_ids, texts, names, types, roles = _entity_columns(
        entity_mentions, "article_id", "text", "name", "entity_type", "role"
    )
    full_names = sorted(
        {
            aliases.get(normalize_key(name), name)
            for name, entity_type in zip(names, types, strict=True)
            if entity_type == "person" and " " in name
        }
    )

    plain_name_of = _plain_names(full_names)
    full_name_of = _FullNameIndex(sorted({plain_name_of.get(name, name) for name in full_names}))
    written_types: dict[str, Counter[str]] = defaultdict(Counter)
    for text, entity_type in zip(texts, types, strict=True):
        written_types[text][entity_type] += 1

    def canonical_of(written_name: str, entity_type: str) -> str:
        name = aliases.get(normalize_key(written_name), written_name)
        written = written_types.get(name)  # a name no mention writes as such has no votes
        if " " not in name and (
            entity_type == "person" or (bool(written) and _majority_type(written) == "person")
        ):
            name = full_name_of(name)
        return plain_name_of.get(name, name)

    form_votes: dict[str, Counter[str]] = defaultdict(Counter)
    type_votes: dict[str, Counter[str]] = defaultdict(Counter)
    forms: dict[str, set[str]] = defaultdict(set)
    articles: dict[str, set[str]] = defaultdict(set)
    for article_id, text, name, entity_type, role in zip(
        article_ids, texts, names, types, roles, strict=True
    ):
        canonical = canonical_of(name, entity_type)
        type_votes[canonical][entity_type] += 1
        articles[canonical].add(article_id)
        surface_forms = {text, name}
        if role:
            surface_forms.add(f"{role} {text}")
        for form in surface_forms:
            forms[canonical].add(form)
            form_votes[form][canonical] += 1

    mapping = {form: _most_voted(votes) for form, votes in sorted(form_votes.items())}
    for alias, name in sorted(aliases.items()):
        mapping.setdefault(alias, name)
    for canonical in forms:
        mapping[canonical] = canonical

    records = []
    for canonical in sorted(forms):
        counts = type_votes[canonical]
        # A one-word name is typed by every mention written that way, also those an article resolved to
        # a full name: "Trump" tagged an organization in some articles is still a person.
        if " " not in canonical and canonical in written_types:
            entity_type = _majority_type(written_types[canonical])
        else:
            entity_type = _majority_type(counts)
        records.append(
            {
                "entity_id": stable_id(entity_type, canonical),
                "name": canonical,
                "entity_type": entity_type,
                "aliases": sorted(forms[canonical] - {canonical}),
                "n_mentions": sum(counts.values()),
                "n_articles": len(articles[canonical]),
            }
        )
    frame = to_frame("entities", records)
    frame = frame.sort_values(SORT_KEYS["entities"], kind="stable").reset_index(drop=True)
    return frame, mapping


class _FullNameIndex:
    """The unique full name of the dataset that a one-word person name abbreviates ("Putin").

    Gives the answer of :func:`~factlake.extract.entities.longest_person_name` over all full names, but
    looks the word up by last word and by contained word instead of scanning every full name for every
    mention, which made linking quadratic in the size of the dataset. Answers are memoized per word.
    """

    def __init__(self, full_names: list[str]) -> None:
        self._by_last_word: dict[str, list[str]] = defaultdict(list)
        self._by_word: dict[str, list[str]] = defaultdict(list)
        for name in full_names:
            words = name.split()
            self._by_last_word[words[-1]].append(name)
            for word in dict.fromkeys(words):
                self._by_word[word].append(name)
        self._answers: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        """The full name ``word`` stands for, or ``word`` itself when there is none or several."""
        if word not in self._answers:
            candidates = self._by_last_word.get(word, []) or self._by_word.get(word, [])
            self._answers[word] = longest_person_name(word, candidates)
        return self._answers[word]


def _plain_names(full_names: list[str]) -> dict[str, str]:
    """Full names written with middle initials mapped to the same name written without them ("Donald J.
    Trump" → "Donald Trump"), when the dataset holds that name and only one initialed variant of it
    ("George H. W. Bush" and "George W. Bush" both stay apart from "George Bush")."""
    known = set(full_names)
    variants: dict[str, list[str]] = defaultdict(list)
    for name in full_names:
        plain = " ".join(word for word in name.split() if not MIDDLE_INITIAL.fullmatch(word))
        if plain != name and plain in known and " " in plain:
            variants[plain].append(name)
    return {names[0]: plain for plain, names in variants.items() if len(names) == 1}


def _majority_type(votes: Counter[str]) -> str:
    """The entity type most mentions have (the most specific of :data:`TYPE_PRIORITY` on ties)."""
    return min(votes, key=lambda kind: (-votes[kind], TYPE_PRIORITY.index(kind)))


def _most_voted(votes: Counter[str]) -> str:
    """The canonical name a form most often stood for (alphabetical on ties, for determinism)."""
    return min(votes, key=lambda name: (-votes[name], name))


def canonicalize_mentions(
    mentions: list[dict[str, Any]], canonical_names: dict[str, str]
) -> list[dict[str, Any]]:
    """New mention dicts whose ``speaker``, ``actors`` and ``location`` carry canonical names.

    Names the mapping does not know (bodies such as "joint statement of …") are kept as they are.
    """
    result = []
    for mention in mentions:
        updated = dict(mention)
        for column in NAME_COLUMNS:
            value = updated.get(column)
            if value is not None:
                updated[column] = canonical_names.get(value, value)
        for column in LIST_NAME_COLUMNS:
            values = updated.get(column)
            if values:
                updated[column] = list(dict.fromkeys(canonical_names.get(value, value) for value in values))
        result.append(updated)
    return result


def canonicalize_mention_frame(mentions: pd.DataFrame, canonical_names: dict[str, str]) -> pd.DataFrame:
    """:func:`canonicalize_mentions` of a ``mentions`` frame: a new frame (the contract's dtypes) whose
    ``speaker``, ``actors`` and ``location`` carry canonical names; the other columns are shared."""
    updated = {}
    for column in NAME_COLUMNS:
        updated[column] = mentions[column].map(
            lambda value: canonical_names.get(value, value), na_action="ignore"
        )
    for column in LIST_NAME_COLUMNS:
        updated[column] = [
            list(dict.fromkeys(canonical_names.get(value, value) for value in values)) if values else values
            for values in mentions[column].tolist()
        ]
    return contract_frame("mentions", mentions.assign(**updated))


def role_holders(entity_mentions: EntityMentions, canonical_names: dict[str, str]) -> pd.DataFrame:
    """``article_id``, normalized ``role`` and canonical ``name`` of every person written after a title
    ("Russian President Vladimir Putin"): who held which role in which article, for
    :func:`resolve_roles_in_stories`."""
    columns = _entity_columns(entity_mentions, "article_id", "role", "entity_type", "name")
    rows = [
        (article_id, normalize_key(role), canonical_names.get(name, name))
        for article_id, role, entity_type, name in zip(*columns, strict=True)
        if role and entity_type == "person"
    ]
    return pd.DataFrame(rows, columns=["article_id", "role", "name"], dtype=object)


def entity_names(entity_mentions: EntityMentions, canonical_names: dict[str, str]) -> pd.DataFrame:
    """``article_id`` and canonical ``name`` of every entity mention (the input of
    :func:`factlake.dedup.story_table.build_stories`, as
    :func:`~factlake.dedup.story_table.entity_mention_frame` makes it of records)."""
    article_ids, names = _entity_columns(entity_mentions, "article_id", "name")
    return pd.DataFrame(
        {"article_id": article_ids, "name": [canonical_names.get(name, name) for name in names]},
        columns=["article_id", "name"],
    ).astype(object)


def resolve_roles_in_stories(
    mentions: pd.DataFrame, holders: pd.DataFrame, articles: pd.DataFrame
) -> pd.DataFrame:
    """``mentions`` with a speaker that is a bare role ("Russian president") replaced by the one person
    the articles of its story name with that role.

    An article may name a role's holder only once (a syndicated copy that dropped "Russian President"
    from its lede) or not at all; the story's other reports of the same events tell who held the role
    then. A role held by several people in the story, or by nobody there, stays as written: never a
    guess from another time or story.

    Args:
        mentions: The mentions frame (``article_id``, ``speaker``).
        holders: :func:`role_holders` of the run's articles.
        articles: The articles frame with ``article_id`` and ``story_id``.

    Returns:
        A copy of ``mentions`` with resolved speakers (the same frame when nothing resolves).
    """
    if mentions.empty or holders.empty or "story_id" not in articles:
        return mentions
    story_of = dict(zip(articles["article_id"], articles["story_id"], strict=True))
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for article_id, role, name in holders.itertuples(index=False):
        if article_id in story_of:
            names[(story_of[article_id], role)].add(name)
    unique = {key: next(iter(found)) for key, found in names.items() if len(found) == 1}
    speakers = mentions["speaker"].tolist()
    resolved = [
        unique.get((story_of.get(article_id), normalize_key(speaker)), speaker)
        if isinstance(speaker, str)
        else speaker
        for article_id, speaker in zip(mentions["article_id"], speakers, strict=True)
    ]
    if resolved == speakers:
        return mentions
    return mentions.assign(speaker=pd.Series(resolved, index=mentions.index, dtype=mentions["speaker"].dtype))
