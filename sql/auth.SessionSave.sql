-- A session begins (ended = 0) or ends (ended = 1).
INSERT INTO sessions (id_sha256, user, role, csrf, expires, ended, at)
VALUES ({id:String}, {user:String}, {role:String}, {csrf:String}, fromUnixTimestamp64Milli({expires:Int64}, 'UTC'), {ended:UInt8}, now64(3))
