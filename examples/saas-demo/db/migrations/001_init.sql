-- The users table belongs to the auth module (bunbase/auth migrations, applied first); the demo
-- adds the role its users module manages.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));
