/*
 * Runs the real ClickHouse HTTP interface from chdb's libchdb.so (ClickHouse 26.x embedded).
 * chdb exposes clickhouse-local; clickhouse-local can open an HTTP listener with
 * `SYSTEM START LISTEN HTTP` when started through the command-line entry point, and keeps serving
 * while a query runs, so we follow it with a query that never ends.
 * usage: clickhouse-http LIBCHDB_PATH DATA_DIR PORT
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

typedef void *(*query_cmdline_fn)(int, char **);

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s LIBCHDB_PATH DATA_DIR PORT\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
  if (!lib) {
    fprintf(stderr, "clickhouse-http: cannot load %s: %s\n", argv[1], dlerror());
    return 1;
  }
  query_cmdline_fn query_cmdline = (query_cmdline_fn)dlsym(lib, "chdb_query_cmdline");
  if (!query_cmdline) {
    fprintf(stderr, "clickhouse-http: chdb_query_cmdline not found in %s\n", argv[1]);
    return 1;
  }
  char path[4096], port[64];
  snprintf(path, sizeof path, "--path=%s", argv[2]);
  snprintf(port, sizeof port, "--http_port=%s", argv[3]);
  char *args[] = {
      "clickhouse", "--multiquery", path, "--listen_host=127.0.0.1", port,
      "--query=SYSTEM START LISTEN HTTP; "
      "SELECT sleepEachRow(1) FROM system.numbers SETTINGS max_block_size = 1 FORMAT Null",
      NULL};
  query_cmdline(6, args);
  fprintf(stderr, "clickhouse-http: server query ended\n");
  return 1;
}
