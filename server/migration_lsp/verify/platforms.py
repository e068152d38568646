"""What a hosting platform provides before any migration runs, recreated in a scratch database.

A migration written for Supabase refers to its roles, ``auth.uid()``, ``auth.users``, storage tables
and the realtime publication; without them it would fail on an empty PostgreSQL for reasons the
real platform never shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from migration_lsp.verify.values import VerifyError


@dataclass(frozen=True)
class Platform:
    name: str
    # Run once, as an unprivileged role, into the template every scratch database is copied from.
    setup_sql: str
    # Cluster-wide roles, created when missing; the role a migration runs as is a member of each.
    roles: tuple[str, ...]
    search_path: str | None  # the search_path the platform's connections get
    own_schemas: tuple[str, ...]  # schemas of the platform, not of the app: never seeded


_SUPABASE_ROLES = ("anon", "authenticated", "service_role")


_SUPABASE_SQL = """
CREATE SCHEMA extensions;
DO $$
DECLARE
  extension text;
BEGIN
  FOREACH extension IN ARRAY ARRAY['pgcrypto', 'uuid-ossp'] LOOP
    IF EXISTS (SELECT FROM pg_available_extensions WHERE name = extension) THEN
      EXECUTE format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA extensions', extension);
    END IF;
  END LOOP;
END $$;

CREATE SCHEMA auth;
CREATE TABLE auth.users (
  instance_id uuid,
  id uuid PRIMARY KEY,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  recovery_token varchar(255),
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  phone text UNIQUE,
  phone_confirmed_at timestamptz,
  banned_until timestamptz,
  deleted_at timestamptz,
  is_sso_user boolean NOT NULL DEFAULT false,
  is_anonymous boolean NOT NULL DEFAULT false
);
-- Tables referencing auth.users need users to point at when the upgrade scenario seeds them.
INSERT INTO auth.users (id, aud, role, email) VALUES
  ('00000000-0000-4000-8000-000000000001', 'authenticated', 'authenticated', 'user1@example.com'),
  ('00000000-0000-4000-8000-000000000002', 'authenticated', 'authenticated', 'user2@example.com'),
  ('00000000-0000-4000-8000-000000000003', 'authenticated', 'authenticated', 'user3@example.com');

-- The same claim lookups Supabase's auth schema performs.
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;
CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

CREATE SCHEMA storage;
CREATE TABLE storage.buckets (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  owner uuid,
  public boolean DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now()
);
CREATE TABLE storage.objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  bucket_id text REFERENCES storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  version text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now()
);
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1]
$$;
CREATE FUNCTION storage.filename(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)]
$$;
CREATE FUNCTION storage.extension(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT reverse(split_part(reverse(name), '.', 1))
$$;

GRANT USAGE ON SCHEMA public, auth, storage, extensions TO anon, authenticated, service_role;
CREATE PUBLICATION supabase_realtime;
"""

PLATFORMS = {
    "supabase": Platform(
        name="supabase",
        setup_sql=_SUPABASE_SQL,
        roles=_SUPABASE_ROLES,
        search_path='"$user", public, extensions',
        own_schemas=("auth", "storage", "extensions"),
    ),
    "none": Platform(name="none", setup_sql="", roles=(), search_path=None, own_schemas=()),
}


def platform_named(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise VerifyError(f"unknown platform {name!r}; expected one of: {', '.join(PLATFORMS)}") from None
