/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-host.h"

G_BEGIN_DECLS

/*
 * Calling hangar-net-helper through pkexec (the user side of
 * src/helper/hangar-net-helper.c): argv assembly, the run, and the helper's
 * and pkexec's exit codes turned into errors a window can show as they are
 * ("polkit refused", "pkexec is not installed", "load the tun module").
 */

#define HG_HELPER_ERROR (hg_helper_error_quark ())

typedef enum {
  HG_HELPER_ERROR_FAILED,
  HG_HELPER_ERROR_NO_HELPER,       /* hangar-net-helper is not installed */
  HG_HELPER_ERROR_NO_PKEXEC,       /* pkexec is not installed */
  HG_HELPER_ERROR_NOT_AUTHORIZED,  /* polkit refused, the dialog was dismissed, or no agent */
  HG_HELPER_ERROR_INVALID,         /* the helper refused an argument */
  HG_HELPER_ERROR_NO_TUN,          /* /dev/net/tun missing: the tun module is not loaded */
  HG_HELPER_ERROR_EXISTS,
  HG_HELPER_ERROR_NOT_FOUND,
  HG_HELPER_ERROR_BUSY,            /* the TAP is still plugged into a switch */
} HgHelperError;

GQuark hg_helper_error_quark (void);

/* One line of `status`: NAME owner=UID up=yes|no bridge=BR|- */
typedef struct {
  char     *name;
  gint64    owner;     /* -1: none */
  gboolean  up;
  char     *bridge;    /* NULL: none */
} HgTapStatus;

void       hg_tap_status_free (HgTapStatus *status);
/* Parses `status` output; *tun_available from its tun=yes|no line. */
GPtrArray *hg_net_helper_parse_status (const char *text, gboolean *tun_available);

/* pkexec HELPER ARGS...; NULL with NO_PKEXEC / NO_HELPER when missing. */
GStrv      hg_net_helper_build_argv   (const HgHostCaps *caps, const char * const *args,
                                       GError **error);

/* The error for a finished run (exit_status as from WEXITSTATUS; -1 for a
 * signal), with the helper's own message from stderr; NULL for 0. */
GError    *hg_net_helper_error_for_exit (int exit_status, const char *stderr_text);

/* Runs pkexec HELPER ARGS (caps NULL: hg_host_caps_probe()); returns stdout. */
void       hg_net_helper_run_async    (HgHostCaps          *caps,
                                       const char * const  *args,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
char      *hg_net_helper_run_finish   (GAsyncResult *result, GError **error);

G_END_DECLS
