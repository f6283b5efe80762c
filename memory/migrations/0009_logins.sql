-- Chat logins per creator (issue 19): `cortex users create NAME` stores an Argon2id hash of the password (argon2-cffi's
-- PHC string: algorithm, parameters, salt and hash together), never the password.
CREATE TABLE creator_logins (
    creator_id     text PRIMARY KEY,
    password_hash  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
