-- name: 001_lake
-- description: The corpus schema of docs/architecture.md on DuckLake: works, provenance,
--   citations, excerpts (with the full-text statements' columns), translations (with cache and
--   memory), themes, the search ledger, source state, reviews. DuckLake refuses PRIMARY KEY and
--   UNIQUE, so each table's natural key is written as a `-- key:` comment and kept by the MERGE
--   statements of litrev/store/sql/ (tests/test_store.py loads every keyed table twice).

-- key: work_id
CREATE TABLE works (
    work_id      VARCHAR NOT NULL,
    doi          VARCHAR,
    openalex_id  VARCHAR,
    s2_id        VARCHAR,
    pmid         VARCHAR,
    urn          VARCHAR,
    handle       VARCHAR,
    title        VARCHAR,
    year         INTEGER,
    venue        VARCHAR,
    work_type    VARCHAR,
    authors      VARCHAR[],
    language     VARCHAR,          -- metadata language given by a source (a hint)
    title_language            VARCHAR,  -- the title's detected language (extract.language)
    title_language_confidence DOUBLE,
    title_language_method     VARCHAR,
    url          VARCHAR,
    is_seed      BOOLEAN NOT NULL DEFAULT false,
    synthetic    BOOLEAN NOT NULL DEFAULT false,
    content_hash VARCHAR,
    first_seen   TIMESTAMPTZ NOT NULL,
    last_seen    TIMESTAMPTZ NOT NULL
);

-- key: source, source_record_id, work_id
CREATE TABLE work_sources (
    work_id          VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,
    deleted          BOOLEAN NOT NULL DEFAULT false,
    first_run_id     VARCHAR,
    last_run_id      VARCHAR,
    first_seen       TIMESTAMPTZ NOT NULL,
    last_seen        TIMESTAMPTZ NOT NULL
);

-- key: citing_work_id, cited_work_id, source
CREATE TABLE citations (
    citing_work_id VARCHAR NOT NULL,
    cited_work_id  VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    first_seen     TIMESTAMPTZ NOT NULL,
    last_seen      TIMESTAMPTZ NOT NULL
);

-- key: excerpt_id
CREATE TABLE excerpts (
    excerpt_id          VARCHAR NOT NULL,
    work_id             VARCHAR NOT NULL,
    kind                VARCHAR NOT NULL,   -- abstract | citation_statement | title
    cited_work_id       VARCHAR,
    section             VARCHAR,
    stance              VARCHAR,            -- supporting | mentioning | contrasting | NULL
    stance_confidence   DOUBLE,
    intents             VARCHAR[],
    is_influential      BOOLEAN,
    text                VARCHAR NOT NULL,
    text_hash           VARCHAR NOT NULL,
    language            VARCHAR,            -- detected (extract.language); 'und' if undecided
    language_confidence DOUBLE,
    language_method     VARCHAR,
    language_hint       VARCHAR,            -- what the source said
    parent_excerpt_id   VARCHAR,            -- set on the parts of a mixed-language text
    source              VARCHAR NOT NULL,   -- the first source that delivered it
    origin              VARCHAR,            -- where the text came from (file, repository, page)
    synthetic           BOOLEAN NOT NULL DEFAULT false,
    content_hash        VARCHAR,
    first_seen          TIMESTAMPTZ NOT NULL,
    last_seen           TIMESTAMPTZ NOT NULL,
    -- citation statements read from open full text (extract.jats): the sentence as printed
    -- with its citation markers (text holds the clean copy), the sentences around it, the
    -- normalised kind of its section and how the cited work was found (doi | title_year_author)
    marked_text         VARCHAR,
    context_before      VARCHAR,
    context_after       VARCHAR,
    section_kind        VARCHAR,            -- introduction | methods | results | discussion | other
    match_method        VARCHAR             -- doi | title_year_author
);

-- key: excerpt_id, source, source_record_id
CREATE TABLE excerpt_sources (
    excerpt_id       VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,
    first_seen       TIMESTAMPTZ NOT NULL,
    last_seen        TIMESTAMPTZ NOT NULL
);

-- The translation reviewers see: one per text and target language. A 'human' row is never
-- overwritten by anything else.
-- key: text_hash, target_language
CREATE TABLE translations (
    text_hash        VARCHAR NOT NULL,
    target_language  VARCHAR NOT NULL,
    source_language  VARCHAR,
    translated_text  VARCHAR,
    provider         VARCHAR,
    status           VARCHAR NOT NULL,      -- human | tm | machine | pending | failed
    error            VARCHAR,
    numbers_mismatch BOOLEAN NOT NULL DEFAULT false,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

-- Every provider answer, so a corpus is never sent to a provider twice.
-- key: text_hash, source_language, target_language, provider
CREATE TABLE translation_cache (
    text_hash       VARCHAR NOT NULL,
    source_language VARCHAR NOT NULL,
    target_language VARCHAR NOT NULL,
    provider        VARCHAR NOT NULL,
    translated_text VARCHAR NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);

-- Imported translation memory (TMX, two-column CSV): exact match on normalised source text.
-- key: source_hash, source_language, target_language
CREATE TABLE translation_memory (
    source_hash     VARCHAR NOT NULL,       -- hash of the normalised source text
    source_language VARCHAR NOT NULL,
    target_language VARCHAR NOT NULL,
    source_text     VARCHAR NOT NULL,
    target_text     VARCHAR NOT NULL,
    origin          VARCHAR,                -- file it was imported from, and its label
    imported_at     TIMESTAMPTZ NOT NULL
);

-- key: theme_id
CREATE TABLE themes (
    theme_id         VARCHAR NOT NULL,
    label            VARCHAR NOT NULL,
    description      VARCHAR,
    codebook_version VARCHAR NOT NULL
);

-- key: excerpt_id, theme_id, matched_in
CREATE TABLE excerpt_themes (
    excerpt_id       VARCHAR NOT NULL,
    theme_id         VARCHAR NOT NULL,
    matched_in       VARCHAR NOT NULL,      -- original | translation
    matched_terms    VARCHAR[] NOT NULL,
    codebook_version VARCHAR NOT NULL
);

-- What each excerpt was last coded on, so that only new excerpts, changed translations or
-- language, or a new codebook version cause re-coding (an excerpt matching no theme has a row
-- here and none in excerpt_themes).
-- key: excerpt_id
CREATE TABLE excerpt_coding (
    excerpt_id         VARCHAR NOT NULL,
    codebook_version   VARCHAR NOT NULL,
    language           VARCHAR,
    translation_hash   VARCHAR,             -- md5 of the translation coded, NULL if none
    coded_at           TIMESTAMPTZ NOT NULL
);

-- key: run_id
CREATE TABLE harvest_runs (
    run_id       VARCHAR NOT NULL,
    review_name  VARCHAR,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,          -- running | succeeded | partial | failed
    trigger      VARCHAR,                   -- cli | schedule | deployment | demo
    flow_run_id  VARCHAR,
    since        DATE,
    record_limit INTEGER,
    summary      JSON
);

-- key: run_id, source, query
CREATE TABLE search_log (
    run_id               VARCHAR NOT NULL,
    source               VARCHAR NOT NULL,
    platform             VARCHAR,           -- the interface searched, e.g. api.openalex.org
    query                VARCHAR NOT NULL,  -- the query as sent (keys redacted)
    query_key            VARCHAR,           -- the source's key for it (source_state.query_key)
    query_url            VARCHAR,
    filters              VARCHAR,
    limits               VARCHAR,
    update_method        VARCHAR,           -- full | incremental (since watermark)
    run_date             TIMESTAMPTZ NOT NULL,
    hits_reported        BIGINT,
    records_retrieved    BIGINT NOT NULL DEFAULT 0,
    new_records          BIGINT NOT NULL DEFAULT 0,
    updated_records      BIGINT NOT NULL DEFAULT 0,
    unchanged_records    BIGINT NOT NULL DEFAULT 0,
    duplicates_within    BIGINT NOT NULL DEFAULT 0,
    duplicates_across    BIGINT NOT NULL DEFAULT 0,
    excluded_automation  BIGINT NOT NULL DEFAULT 0,
    removed_other        BIGINT NOT NULL DEFAULT 0, -- withdrawn/deleted records, not screened
    status               VARCHAR NOT NULL,  -- succeeded | failed | stopped
    error                VARCHAR
);

-- key: source, query_key
CREATE TABLE source_state (
    source     VARCHAR NOT NULL,
    query_key  VARCHAR NOT NULL,
    cursor     VARCHAR,
    watermark  VARCHAR,
    run_id     VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL
);

-- key: excerpt_id
CREATE TABLE reviews (
    excerpt_id            VARCHAR NOT NULL,
    decision              VARCHAR,
    note                  VARCHAR,
    corrected_translation VARCHAR,
    reviewer_file         VARCHAR,
    imported_at           TIMESTAMPTZ NOT NULL
);

CREATE VIEW v_excerpts AS
SELECT
    e.excerpt_id, e.kind, e.work_id, w.title AS work_title, w.year, w.authors, w.venue, w.doi,
    e.cited_work_id, cw.title AS cited_title, cw.doi AS cited_doi,
    e.section, e.stance, e.stance_confidence, e.intents,
    e.text, e.language, e.language_confidence, e.language_method,
    t.translated_text AS translation, t.target_language, t.status AS translation_status,
    t.provider AS translation_provider, t.numbers_mismatch,
    (SELECT list(DISTINCT et.theme_id ORDER BY et.theme_id) FROM excerpt_themes et
      WHERE et.excerpt_id = e.excerpt_id) AS themes,
    e.source, e.origin, e.synthetic OR coalesce(w.synthetic, false) AS synthetic,
    e.first_seen, e.last_seen
FROM excerpts e
LEFT JOIN works w ON w.work_id = e.work_id
LEFT JOIN works cw ON cw.work_id = e.cited_work_id
LEFT JOIN translations t ON t.text_hash = e.text_hash;

CREATE VIEW v_citation_statements AS
SELECT
    e.excerpt_id, e.text AS statement, e.section, e.stance, e.stance_confidence,
    e.intents, e.is_influential, e.language,
    e.work_id AS citing_work_id, w.title AS citing_title, w.year AS citing_year,
    w.authors AS citing_authors, w.doi AS citing_doi,
    e.cited_work_id, cw.title AS cited_title, cw.doi AS cited_doi,
    e.source, e.synthetic, e.first_seen,
    e.section_kind, e.marked_text, e.context_before, e.context_after, e.match_method, e.origin
FROM excerpts e
LEFT JOIN works w ON w.work_id = e.work_id
LEFT JOIN works cw ON cw.work_id = e.cited_work_id
WHERE e.kind = 'citation_statement';

CREATE VIEW v_prisma AS
SELECT
    s.run_id, r.started_at, s.source, s.platform,
    sum(s.hits_reported) AS hits_reported,
    sum(s.records_retrieved) AS records_identified,
    sum(s.duplicates_within + s.duplicates_across) AS duplicates_removed,
    sum(s.excluded_automation) AS excluded_by_automation,
    sum(s.new_records) AS new_records,
    bool_or(s.status <> 'succeeded') AS any_failed
FROM search_log s
JOIN harvest_runs r USING (run_id)
GROUP BY ALL;
