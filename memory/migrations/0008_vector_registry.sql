-- One registry of the per-model vector tables (memory/vectors.py): title vectors (memory.corpus) and creator
-- vectors (memory.creators) were registered in two tables of the same shape (0001 embedding_models, 0005
-- creator_embedding_models); their rows move here under a kind, and the two tables go.
CREATE TABLE vector_tables (
    kind        text NOT NULL,              -- what is embedded: 'title' (video titles), 'creator' (account texts)
    model       text NOT NULL,              -- the embedding model's name (agent.embeddings)
    dim         integer NOT NULL,           -- its dimension (a pgvector column has a fixed one)
    table_name  text NOT NULL UNIQUE,       -- '<kind>_vec_<model>'
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, model)
);

INSERT INTO vector_tables (kind, model, dim, table_name, created_at)
SELECT 'title', model, dim, table_name, created_at FROM embedding_models;
INSERT INTO vector_tables (kind, model, dim, table_name, created_at)
SELECT 'creator', model, dim, table_name, created_at FROM creator_embedding_models;

DROP TABLE embedding_models;
DROP TABLE creator_embedding_models;
