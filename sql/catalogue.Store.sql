-- Puts a catalogue in force, stamped by the store's clock.
INSERT INTO catalogue_versions (changed_at, actor, version, sha256, body)
VALUES (now64(3), {actor:String}, {version:String}, {sha256:String}, {body:String})
