-- One audit entry, stamped by the store's clock.
INSERT INTO audit_log (at, actor, role, client, action, object, outcome, detail)
VALUES (now64(3), {actor:String}, {role:String}, {client:String}, {action:String}, {object:String}, {outcome:String}, {detail:String})
