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
from collections import defaultdict
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from factlake.extract.entities import TYPE_PRIORITY, longest_person_name, normalize_key
from factlake.records import columns_to_frame, contract_frame, stable_id
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

    Every decision depends on a mention's name, type, text and role only, so the mentions are counted by
    those values first (:class:`_MentionCounts`), each distinct (name, type) is linked once and the votes
    are summed as arrays: the work in Python follows the dataset's distinct names (a fifth of its
    mentions on Reuters), and the stage keeps no object per mention or per vote, which in the run the
    garbage collector would walk again and again. The result is the one the mention-by-mention rules
    above give, in any order of the mentions.

    Args:
        entity_mentions: Entity mentions of all articles, as records or as a frame.
        reference: ``aliases.csv`` (alias, name, entity_type).

    Returns:
        The table (``entity_id = stable_id(entity_type, name)``, sorted like the published table) and a
        dict mapping each surface form, article-level name and titled form to the canonical name.
        Canonical names map to themselves.
    """
    aliases = {normalize_key(row["alias"]): row["name"] for row in reference.table("aliases")}
    counts = _MentionCounts(entity_mentions)
    names_and_types = counts.names_and_types()
    full_names = sorted(
        {
            aliases.get(normalize_key(name), name)
            for name, entity_type in names_and_types
            if entity_type == "person" and " " in name
        }
    )

    plain_name_of = _plain_names(full_names)
    full_name_of = _FullNameIndex(sorted({plain_name_of.get(name, name) for name in full_names}))
    written_type = counts.written_type_of()

    def canonical_of(name: str, mention_type: str) -> str:
        name = aliases.get(normalize_key(name), name)
        # A name no mention writes as such has no votes.
        if " " not in name and (mention_type == "person" or written_type.get(name) == "person"):
            name = full_name_of(name)
        return plain_name_of.get(name, name)

    canonical_codes, canonicals = _codes([canonical_of(name, kind) for name, kind in names_and_types])
    votes = counts.votes(canonical_codes, canonicals)

    mapping = votes.most_voted()
    for alias, name in sorted(aliases.items()):
        mapping.setdefault(alias, name)
    for canonical in canonicals:  # in order of first mention, as before
        mapping[canonical] = canonical

    names = sorted(canonicals)
    entity_types = [
        # A one-word name is typed by every mention written that way, also those an article resolved to
        # a full name: "Trump" tagged an organization in some articles is still a person.
        written_type[name] if " " not in name and name in written_type else votes.majority_type[name]
        for name in names
    ]
    frame = columns_to_frame(
        "entities",
        {
            "entity_id": [stable_id(kind, name) for kind, name in zip(entity_types, names, strict=True)],
            "name": names,
            "entity_type": entity_types,
            "aliases": [votes.aliases[name] for name in names],
            "n_mentions": [votes.n_mentions[name] for name in names],
            "n_articles": [votes.n_articles[name] for name in names],
        },
    )
    frame = frame.sort_values(SORT_KEYS["entities"], kind="stable").reset_index(drop=True)
    return frame, mapping


class _Votes(NamedTuple):
    """What the mentions say of each canonical name (see :meth:`_MentionCounts.votes`).

    Attributes:
        form_votes: Per surface form, the canonical names it stood for with their number of mentions.
        aliases: Per canonical name, its other surface forms, sorted.
        majority_type: Per canonical name, the type most of its mentions have.
        n_mentions: Per canonical name, its mentions.
        n_articles: Per canonical name, the distinct articles of its mentions.
    """

    form_votes: list[tuple[str, list[tuple[str, int]]]]
    aliases: dict[str, list[str]]
    majority_type: dict[str, str]
    n_mentions: dict[str, int]
    n_articles: dict[str, int]

    def most_voted(self) -> dict[str, str]:
        """Every form mapped to the canonical name it most often stood for (alphabetical on ties), in
        alphabetical order of the forms."""
        return {form: min(votes, key=lambda vote: (-vote[1], vote[0]))[0] for form, votes in self.form_votes}


class _MentionCounts:
    """Entity mentions counted by what linking reads of them, as integer codes (no object per mention).

    Mentions are numbered by their (name, entity type) pair, and by their (pair, text, role) group, in
    order of first appearance, with NumPy arrays of codes: one pass over the mentions (records or a
    frame's columns) per field,
    then array operations.
    """

    def __init__(self, entity_mentions: EntityMentions) -> None:
        names, types, texts, roles, article_ids = _entity_columns(
            entity_mentions, "name", "entity_type", "text", "role", "article_id"
        )
        name_codes, self._names = _codes(names)
        type_codes, self._types = _codes(types)
        text_codes, self._texts = _codes(texts)
        # No role (None) and an empty role read alike ("if role"): both are coded as "".
        role_codes, self._roles = _codes([role if isinstance(role, str) else "" for role in roles])
        self._article_codes, self._articles = _codes(article_ids)
        n_types, n_texts, n_roles = len(self._types), len(self._texts), len(self._roles)
        self._pair_codes, pairs = _codes(name_codes * n_types + type_codes)
        self._pair_name, self._pair_type = np.divmod(np.asarray(pairs, dtype=np.int64), max(n_types, 1))
        # Two steps, so that no combined code exceeds (number of mentions) squared.
        written_codes, written = _codes(self._pair_codes * n_texts + text_codes)
        group_codes, groups = _codes(written_codes * n_roles + role_codes)
        self._group_sizes = np.bincount(group_codes, minlength=len(groups))
        group_written, self._group_role = np.divmod(np.asarray(groups, dtype=np.int64), max(n_roles, 1))
        self._group_pair, self._group_text = np.divmod(
            np.asarray(written, dtype=np.int64)[group_written], max(n_texts, 1)
        )
        self._text_codes, self._type_codes = text_codes, type_codes
        self._priority = np.array([TYPE_PRIORITY.index(kind) for kind in self._types], dtype=np.int64)

    def names_and_types(self) -> list[tuple[str, str]]:
        """Every distinct (name, entity type), in order of first appearance (its index is its code)."""
        return [
            (self._names[name], self._types[kind])
            for name, kind in zip(self._pair_name.tolist(), self._pair_type.tolist(), strict=True)
        ]

    def written_type_of(self) -> dict[str, str]:
        """Every text, as written, mapped to the type most of its mentions have."""
        return dict(zip(self._texts, self._majority(self._text_codes, len(self._texts), None), strict=True))

    def votes(self, canonical_codes: np.ndarray, canonicals: list[str]) -> _Votes:
        """The votes of the mentions, given the canonical name (code) of every (name, type) code."""
        n_canonicals = len(canonicals)
        group_canonical = canonical_codes[self._group_pair]
        group_type = self._pair_type[self._group_pair]
        majority = self._majority(group_canonical, n_canonicals, (group_type, self._group_sizes))
        n_mentions = np.bincount(group_canonical, weights=self._group_sizes, minlength=n_canonicals)
        of_mention = canonical_codes[self._pair_codes]
        n_articles = max(len(self._articles), 1)
        distinct = np.unique(of_mention * n_articles + self._article_codes)
        articles = np.bincount(distinct // n_articles, minlength=n_canonicals)

        # Each group votes for its canonical name with every distinct form it writes: text, name and
        # titled text.
        form_strings: list[str] = []
        form_canonicals: list[int] = []
        form_counts: list[int] = []
        for pair, text, role, canonical, n in zip(
            self._group_pair.tolist(),
            self._group_text.tolist(),
            self._group_role.tolist(),
            group_canonical.tolist(),
            self._group_sizes.tolist(),
            strict=True,
        ):
            written, titled = self._texts[text], self._roles[role]
            name = self._names[self._pair_name[pair]]
            for form in dict.fromkeys((written, name, f"{titled} {written}") if titled else (written, name)):
                form_strings.append(form)
                form_canonicals.append(canonical)
                form_counts.append(n)
        form_codes, forms = _codes(form_strings)
        keys, inverse = np.unique(
            form_codes * max(n_canonicals, 1) + np.asarray(form_canonicals, dtype=np.int64),
            return_inverse=True,
        )
        key_votes = np.bincount(inverse, weights=np.asarray(form_counts, dtype=np.int64)).astype(np.int64)
        key_form, key_canonical = np.divmod(keys, max(n_canonicals, 1))
        form_votes: dict[str, list[tuple[str, int]]] = defaultdict(list)
        aliases: dict[str, list[str]] = {canonical: [] for canonical in canonicals}
        for form, canonical, n in zip(
            key_form.tolist(), key_canonical.tolist(), key_votes.tolist(), strict=True
        ):
            form_votes[forms[form]].append((canonicals[canonical], n))
            if forms[form] != canonicals[canonical]:
                aliases[canonicals[canonical]].append(forms[form])
        return _Votes(
            form_votes=sorted(form_votes.items()),
            aliases={canonical: sorted(found) for canonical, found in aliases.items()},
            majority_type=dict(zip(canonicals, majority, strict=True)),
            n_mentions=dict(zip(canonicals, n_mentions.astype(np.int64).tolist(), strict=True)),
            n_articles=dict(zip(canonicals, articles.tolist(), strict=True)),
        )

    def _majority(
        self, codes: np.ndarray, n_codes: int, grouped: tuple[np.ndarray, np.ndarray] | None
    ) -> list[str]:
        """The type most mentions of each code have (the most specific of :data:`TYPE_PRIORITY` on
        ties): ``codes`` numbers the mentions (``grouped`` None) or the groups, with the groups' type
        codes and sizes."""
        n_types = max(len(self._types), 1)
        type_codes, weights = grouped if grouped is not None else (self._type_codes, None)
        table = np.bincount(codes * n_types + type_codes, weights=weights, minlength=n_codes * n_types)
        table = table.reshape(n_codes, n_types)
        by_priority = np.argsort(self._priority, kind="stable")
        best = by_priority[np.argmax(table[:, by_priority], axis=1)] if n_codes else by_priority[:0]
        return [self._types[code] for code in best.tolist()]


def _codes(values: list[Any] | np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Integer codes of ``values`` (strings or integers, numbered by first appearance) and the distinct
    values in code order."""
    array = np.asarray(values, dtype=object) if isinstance(values, list) else values
    codes, uniques = pd.factorize(array)
    return codes.astype(np.int64), list(uniques)


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
