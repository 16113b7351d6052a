/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes of hangarctl, documented in its man page. */
enum {
  HG_EXIT_OK        = 0,
  HG_EXIT_FAILURE   = 1,   /* the operation failed (QEMU error, I/O ...) */
  HG_EXIT_USAGE     = 2,   /* bad command line: unknown flag, bad value */
  HG_EXIT_NOT_FOUND = 3,   /* no such VM / switch / snapshot / file */
  HG_EXIT_STATE     = 4,   /* wrong state: already running, not running ... */
  HG_EXIT_MISSING   = 5,   /* a required component is not installed */
  HG_EXIT_CONFIG    = 6,   /* a config file is invalid */
};

/* Global options, parsed before the command name. */
typedef struct {
  char   **bases;     /* --base DIR (repeatable); NULL = defaults */
  gboolean json;      /* --json */
} HgCliContext;

/* A command gets argv with argv[0] = the command name and parses its own
 * options with GOptionContext.  Errors go to stderr as one line:
 *   hangarctl: <command>: <message>
 * and the return value is one of the HG_EXIT_* codes. */
typedef int (*HgCliCommandFunc) (HgCliContext *ctx, int argc, char **argv);

typedef struct {
  const char       *name;
  const char       *summary;   /* one line, shown by `hangarctl --help` */
  HgCliCommandFunc  func;
} HgCliCommand;

/* Each group of commands lives in its own file and exports its table,
 * terminated by a { NULL } entry; hangarctl.c lists the tables. */
extern const HgCliCommand hg_cli_library_commands[];   /* hangarctl-library.c: list info create import-ctys cmdline check */
extern const HgCliCommand hg_cli_vm_commands[];        /* hangarctl-vm.c: start stop kill pause resume reset media screenshot send-key monitor console */
extern const HgCliCommand hg_cli_switch_commands[];
extern const HgCliCommand hg_cli_forward_commands[];   /* hangarctl-forward.c: forward VM list|add|remove */
extern const HgCliCommand hg_cli_disk_commands[];      /* hangarctl-disk.c: disk VM list|add|remove|resize|convert|compact */
extern const HgCliCommand hg_cli_snapshot_commands[];  /* hangarctl-snapshot.c: snapshot VM tree|take|revert|delete|rename|describe|save|load|list */
extern const HgCliCommand hg_cli_share_commands[];     /* hangarctl-share.c: share VM list|add|remove */
extern const HgCliCommand hg_cli_type_commands[];      /* hangarctl-type.c: type VM TEXT */    /* hangarctl-switch.c: switch list|start|stop|ports */

extern const HgCliCommand hg_cli_watch_commands[];     /* hangarctl-watch.c: version watch sockets (docs/protocol.md) */

/* hangarctl-remote.c: hangarctl --connect DEST COMMAND …, argv[0] = the
 * command */
int hg_cli_remote_main (HgCliContext *ctx, const char *connect, const char *remote_hangarctl,
                        const char *ssh_config, int argc, char **argv);

/* Prints "hangarctl: <cmd>: <message>\n" to stderr. */
void hg_cli_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
