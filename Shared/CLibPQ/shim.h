// libpq, PostgreSQL's C client library, as a Swift module (Debian: libpq-dev).
#include <libpq-fe.h>
