-- wrk script for POST /users: the same valid body on every request (bench/run checks it yields 201).
wrk.method = "POST"
wrk.body = '{"email":"ada@example.com","name":"Ada Lovelace","role":"admin"}'
wrk.headers["Content-Type"] = "application/json"
