-- People: shoppers, sellers and admins, identified by a normalised E.164 phone number.
CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    nickname TEXT NOT NULL,
    avatar_url TEXT,
    password_hash TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row per logged-in device. Refresh tokens rotate inside it; reuse of a spent one revokes it.
CREATE TABLE sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    user_agent TEXT,
    ip TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every refresh token ever issued, stored only as a SHA-256 hash.
CREATE TABLE refresh_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    spent_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Shipping addresses in Chinese format; at most one default per user.
CREATE TABLE addresses (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    recipient TEXT NOT NULL,
    phone TEXT NOT NULL,
    province TEXT NOT NULL,
    city TEXT NOT NULL,
    district TEXT NOT NULL,
    detail TEXT NOT NULL,
    postal_code TEXT,
    is_default BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX addresses_user ON addresses (user_id);

-- Shops, created when an application is approved (the catalog extends this table).
CREATE TABLE shops (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    main_category TEXT NOT NULL,
    description TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Who works for a shop: its owner and staff.
CREATE TABLE shop_members (
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    added_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (shop_id, user_id)
);
CREATE INDEX shop_members_user ON shop_members (user_id);

-- Applications to open a shop, with the review decision. Rejected ones stay as the record.
CREATE TABLE shop_applications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    applicant_id BIGINT NOT NULL REFERENCES users (id),
    shop_name TEXT NOT NULL,
    main_category TEXT NOT NULL,
    licence_number TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    reviewer_id BIGINT REFERENCES users (id),
    review_reason TEXT,
    reviewed_at TIMESTAMP,
    shop_id BIGINT REFERENCES shops (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX shop_applications_one_pending ON shop_applications (applicant_id) WHERE status = 'pending';
CREATE INDEX shop_applications_status ON shop_applications (status, id);

-- Messages handed to the SMS provider (the sandbox provider's outbox, shown at /sandbox/sms/messages).
CREATE TABLE sms_messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sms_messages_phone ON sms_messages (phone, id);
