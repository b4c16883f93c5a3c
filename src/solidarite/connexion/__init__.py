"""Who signs in: OpenID Connect providers (Pro Santé Connect, ProConnect, FranceConnect), the development login,
and the professionals' sessions (lifetime, idle timeout, revocation). docs/decisions/0005-identites.md."""
