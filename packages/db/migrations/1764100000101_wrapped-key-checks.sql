-- Up Migration

-- The wrapped-key checks of …_organizations used '^[0-9a-f]{512}$', but Postgres regexes allow at most
-- 255 repetitions (RE_DUP_MAX): every insert failed with "invalid repetition count(s)". Same rule
-- (512 lowercase hex, a 2048-bit RSA-OAEP ciphertext), spelled as a length plus a charset.
ALTER TABLE project_keys DROP CONSTRAINT project_keys_enc_symmetric_key_check;
ALTER TABLE project_keys ADD CONSTRAINT project_keys_enc_symmetric_key_check
  CHECK (length(enc_symmetric_key) = 512 AND enc_symmetric_key ~ '^[0-9a-f]+$');
ALTER TABLE invite_keys DROP CONSTRAINT invite_keys_enc_symmetric_key_check;
ALTER TABLE invite_keys ADD CONSTRAINT invite_keys_enc_symmetric_key_check
  CHECK (length(enc_symmetric_key) = 512 AND enc_symmetric_key ~ '^[0-9a-f]+$');

-- Down Migration
ALTER TABLE invite_keys DROP CONSTRAINT invite_keys_enc_symmetric_key_check;
ALTER TABLE invite_keys ADD CONSTRAINT invite_keys_enc_symmetric_key_check CHECK (enc_symmetric_key ~ '^[0-9a-f]{512}$');
ALTER TABLE project_keys DROP CONSTRAINT project_keys_enc_symmetric_key_check;
ALTER TABLE project_keys ADD CONSTRAINT project_keys_enc_symmetric_key_check CHECK (enc_symmetric_key ~ '^[0-9a-f]{512}$');
