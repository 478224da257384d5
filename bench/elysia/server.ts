// Elysia + TypeBox reference server for bench/run: same two routes as build/bin/bench-app.
import { Elysia, t } from 'elysia'

const CreateUser = t.Object(
  {
    email: t.String({ format: 'email' }),
    name: t.String({ minLength: 1, maxLength: 200 }),
    role: t.Optional(t.Union([t.Literal('user'), t.Literal('admin')])),
  },
  { additionalProperties: false },
)
const User = t.Object({ id: t.String(), email: t.String() })

// normalize: false so additionalProperties:false rejects unknown properties (the default silently strips them).
new Elysia({ normalize: false })
  .get('/hello', () => ({ message: 'hello' }))
  .post('/users', ({ body, status }) => status(201, { id: crypto.randomUUID(), email: body.email }), {
    body: CreateUser,
    response: { 201: User },
  })
  .listen({ hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) })
