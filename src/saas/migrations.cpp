// The organizations feature's tables (organizations, memberships, invitations, roles,
// permissions, role sets) and its seed: the default role set with the system roles.
#include "src/saas/saas_feature.hpp"

namespace bb::saas {

std::vector<db::Migration> migrations() {
  return {
      {"bunbase/saas/0001_orgs_rbac.sql", R"sql(
CREATE TABLE organizations (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  slug       TEXT NOT NULL UNIQUE,
  owner_id   TEXT REFERENCES users (id) ON DELETE SET NULL,  -- the creator; owners are memberships
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- role: a role key, resolved in the organization (its custom roles) or among the system roles.
CREATE TABLE org_memberships (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (org_id, user_id)
);
CREATE INDEX org_memberships_user ON org_memberships (user_id);
CREATE INDEX org_memberships_role ON org_memberships (org_id, role);

CREATE TABLE org_invitations (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  email        TEXT NOT NULL,               -- lower-cased
  role         TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
  invited_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
  token_hash   TEXT NOT NULL UNIQUE,        -- SHA-256 of the token; the token is shown once
  expires_at   TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  responded_at TEXT
);
CREATE INDEX org_invitations_org ON org_invitations (org_id, created_at);
-- One open invitation per address and organization.
CREATE UNIQUE INDEX org_invitations_pending ON org_invitations (org_id, email) WHERE status = 'pending';

CREATE TABLE permissions (
  key       TEXT PRIMARY KEY,               -- <feature>:<action>
  name      TEXT NOT NULL,
  feature   TEXT NOT NULL,
  is_system BOOLEAN NOT NULL DEFAULT FALSE  -- seeded here, used by built-in actions: never deleted
);

-- System roles have no org_id and are read-only; custom roles belong to one organization.
CREATE TABLE roles (
  id          TEXT PRIMARY KEY,
  key         TEXT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  is_system   BOOLEAN NOT NULL DEFAULT FALSE,
  org_id      TEXT REFERENCES organizations (id) ON DELETE CASCADE
);
-- UNIQUE (org_id, key) would let NULL org_ids repeat a key: two partial indexes instead.
CREATE UNIQUE INDEX roles_system_key ON roles (key) WHERE org_id IS NULL;
CREATE UNIQUE INDEX roles_org_key ON roles (org_id, key) WHERE org_id IS NOT NULL;

CREATE TABLE role_permissions (
  role_id        TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  permission_key TEXT NOT NULL REFERENCES permissions (key) ON DELETE CASCADE,
  PRIMARY KEY (role_id, permission_key)
);

CREATE TABLE role_sets (
  id         TEXT PRIMARY KEY,
  key        TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  is_primary BOOLEAN NOT NULL DEFAULT FALSE,
  is_default BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE role_set_roles (
  role_set_id            TEXT NOT NULL REFERENCES role_sets (id) ON DELETE CASCADE,
  role_id                TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  is_creator_role        BOOLEAN NOT NULL DEFAULT FALSE,  -- given to whoever creates an organization
  is_default_member_role BOOLEAN NOT NULL DEFAULT FALSE,  -- given to invitees when no role is named
  PRIMARY KEY (role_set_id, role_id)
);

INSERT INTO permissions (key, name, feature, is_system) VALUES
  ('org:update', 'Update the organization', 'org', TRUE),
  ('org:delete', 'Delete the organization', 'org', TRUE),
  ('members:read', 'See the members', 'members', TRUE),
  ('members:manage', 'Change and remove members', 'members', TRUE),
  ('invitations:manage', 'Invite people and revoke invitations', 'invitations', TRUE),
  ('roles:manage', 'Create and change custom roles', 'roles', TRUE),
  ('billing:manage', 'Manage the subscription and invoices', 'billing', TRUE);

INSERT INTO roles (id, key, name, description, is_system) VALUES
  ('sys_owner', 'owner', 'Owner', 'Full control, including deleting the organization', TRUE),
  ('sys_admin', 'admin', 'Admin', 'Everything but deleting the organization', TRUE),
  ('sys_member', 'member', 'Member', 'Sees the organization and its members', TRUE);

INSERT INTO role_permissions (role_id, permission_key) SELECT 'sys_owner', key FROM permissions;
INSERT INTO role_permissions (role_id, permission_key)
  SELECT 'sys_admin', key FROM permissions WHERE key <> 'org:delete';
INSERT INTO role_permissions (role_id, permission_key) VALUES ('sys_member', 'members:read');

INSERT INTO role_sets (id, key, name, is_primary, is_default) VALUES ('rs_default', 'default', 'Default', TRUE, TRUE);
INSERT INTO role_set_roles (role_set_id, role_id, is_creator_role, is_default_member_role) VALUES
  ('rs_default', 'sys_owner', TRUE, FALSE),
  ('rs_default', 'sys_admin', FALSE, FALSE),
  ('rs_default', 'sys_member', FALSE, TRUE);
)sql"},
  };
}

}  // namespace bb::saas
