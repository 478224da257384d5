-- The billing module's invoices, and the permissions its actions check (granted to the built-in
-- roles: owners and admins do everything, members create and read invoices).
CREATE TABLE invoices (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  customer     TEXT NOT NULL,
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'paid')),
  created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at   TEXT NOT NULL,
  sent_at      TEXT,
  paid_at      TEXT
);
CREATE INDEX invoices_org ON invoices (org_id, created_at);

INSERT INTO permissions (key, name, feature) VALUES
  ('invoices:create', 'Create invoices', 'invoices'),
  ('invoices:read', 'See invoices', 'invoices'),
  ('invoices:send', 'Send invoices', 'invoices'),
  ('payments:process', 'Record payments', 'payments');
INSERT INTO role_permissions (role_id, permission_key) VALUES
  ('sys_owner', 'invoices:create'), ('sys_owner', 'invoices:read'), ('sys_owner', 'invoices:send'),
  ('sys_owner', 'payments:process'),
  ('sys_admin', 'invoices:create'), ('sys_admin', 'invoices:read'), ('sys_admin', 'invoices:send'),
  ('sys_admin', 'payments:process'),
  ('sys_member', 'invoices:create'), ('sys_member', 'invoices:read');
