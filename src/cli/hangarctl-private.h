/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hangarctl.h"
#include "hg-vm-config.h"

G_BEGIN_DECLS

/* Shared by hangarctl-library.c and hangarctl-create.c */

/* The --base option of the commands that look VMs up, as an entry of a
 * GOptionEntry array (hg_cli_base_entry when it is the only option) */
#define HG_CLI_BASE_OPTION(bases)                                          \
  { "base", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, (bases),                    \
    N_("Look for VMs under DIR (repeatable)"), N_("DIR") }

/* Parses a command's options (prgname "hangarctl <command>"); FALSE, with
 * the error printed, on a bad flag. */
gboolean hg_cli_parse_options   (const char     *command,
                                 const char     *parameters,
                                 const char     *summary,
                                 GOptionEntry   *entries,
                                 int            *argc,
                                 char         ***argv);
/* The global --base list then the command's own; none given: the
 * configured library (hg_library_configured_bases). */
char   **hg_cli_effective_bases (HgCliContext   *ctx,
                                 char          **local_bases,
                                 gboolean       *out_explicit);
/* Prints the error and returns the HG_EXIT_* code for its domain/code. */
int      hg_cli_fail            (const char     *command,
                                 const GError   *error);

/* --boot MODE; FALSE with the error printed (naming the modes). */
gboolean hg_cli_parse_boot_mode (const char *command, const char *text, HgBootMode *out);

/* Finds one VM by label, directory or .hangar file in the effective bases;
 * NULL with the error printed and *out_status set. */
HgVmConfig *hg_cli_lookup_vm (HgCliContext  *ctx,
                              const char    *command,
                              char         **local_bases,
                              const char    *name,
                              int           *out_status);

/* --json output (hangarctl-library.c, used by hangarctl-vm.c): members of
 * the object being built (a NULL string is null), and the whole document
 * printed pretty to stdout. */
void     hg_cli_json_add_string (JsonBuilder *b, const char *name, const char *value);
void     hg_cli_json_add_int    (JsonBuilder *b, const char *name, gint64 value);
void     hg_cli_json_add_bool   (JsonBuilder *b, const char *name, gboolean value);
void     hg_cli_print_json      (JsonBuilder *builder);
/* An array of one object per item, members() adding the item's members;
 * as the member name (NULL: as an array element or the whole document) */
typedef void (*HgCliJsonMembers) (JsonBuilder *b, gpointer item, gpointer user_data);
void     hg_cli_json_add_objects (JsonBuilder *b, const char *name, GPtrArray *items,
                                  HgCliJsonMembers members, gpointer user_data);
void     hg_cli_print_json_array (GPtrArray *items, HgCliJsonMembers members, gpointer user_data);

/* hangarctl-vm.c, shared with hangarctl-console.c */
struct _HgVm;
/* A one-entry option table with --base DIR (static storage, one command
 * per process). */
GOptionEntry *hg_cli_base_entry   (char ***local_bases);
/* The VM with its state looked at from the runtime directory, attached over
 * the control QMP socket; NULL with the error printed and *status set. */
struct _HgVm *hg_cli_open_vm      (HgCliContext  *ctx,
                                   const char    *command,
                                   char         **local_bases,
                                   const char    *name,
                                   int           *status);
/* The same, refused (status 4, error printed) unless it runs and answers
 * on QMP. */
struct _HgVm *hg_cli_open_running_vm (HgCliContext  *ctx,
                                      const char    *command,
                                      char         **local_bases,
                                      const char    *name,
                                      int           *status);
/* Running an async call to completion on the default main context:
 * hg_cli_store_result as the callback with &slot, then
 * hg_cli_wait_result (&slot). */
void          hg_cli_store_result (GObject *source, GAsyncResult *result, gpointer user_data);
GAsyncResult *hg_cli_wait_result  (GAsyncResult **slot);
/* Prints the error; the HG_EXIT_* code of a VM action's error */
int           hg_cli_vm_fail      (const char *command, const GError *error);
/* argc counts the command; wanted = exact argc, or 0 for "a VM at least" */
gboolean      hg_cli_check_one_vm (const char *command, int argc, int wanted);
int           hg_cli_console      (HgCliContext *ctx, int argc, char **argv);
/* The terminal (stdin/stdout) on a console's stream sock_fd until
 * Ctrl-] (tty) or the end of the input and a quiet second (piped) */
int           hg_cli_console_loop (const char *label, int sock_fd, gboolean tty);

int      hg_cli_create          (HgCliContext *ctx, int argc, char **argv);
int      hg_cli_import_ctys     (HgCliContext *ctx, int argc, char **argv);
int      hg_cli_import          (HgCliContext *ctx, int argc, char **argv);

G_END_DECLS
