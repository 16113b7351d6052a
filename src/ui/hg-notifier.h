/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-vm.h"

G_BEGIN_DECLS

/*
 * HgNotifier — desktop notifications (GNotification) when a VM stops,
 * crashes, or an installation (a run of a VM whose boot mode is cdrom or
 * pxe) ends, sent only while no window of the application has the focus
 * and as the notify-on-stop / notify-on-crash settings allow.  Clicking
 * one activates the application, which presents the window.
 * Signal: send-notification (id, title, body, GNotification) → handled.
 */

#define HG_TYPE_NOTIFIER (hg_notifier_get_type ())
G_DECLARE_FINAL_TYPE (HgNotifier, hg_notifier, HG, NOTIFIER, GObject)

/* settings may be NULL (schema defaults: notify on both). */
HgNotifier    *hg_notifier_new           (GApplication *app,
                                          GSettings    *settings);
/* Follows vm's state until vm goes or hg_notifier_unwatch(): a plain
 * handler (a window of 1,000 VMs), so a watched VM must be let go before
 * the notifier is. */
void           hg_notifier_watch         (HgNotifier   *self,
                                          HgVm         *vm);
void           hg_notifier_unwatch       (HgNotifier   *self,
                                          HgVm         *vm);

/* Sends one notification now (whatever has the focus), through
 * send-notification like the others (used by the window: "N VMs keep
 * running" when it closes). */
void           hg_notifier_send          (HgNotifier   *self,
                                          const char   *id,
                                          const char   *title,
                                          const char   *body);

/* The decision, without side effects (tested in tests/test-ui-desktop.c):
 * whether label going from old_state to new_state is worth a notification,
 * and if so its title and body.  log_tail and reason may be NULL. */
gboolean       hg_notifier_describe      (const char   *label,
                                          HgVmState     old_state,
                                          HgVmState     new_state,
                                          const char   *reason,
                                          const char   *log_tail,
                                          gboolean      install_run,
                                          gboolean      notify_on_stop,
                                          gboolean      notify_on_crash,
                                          char        **title,
                                          char        **body);
/* The id a VM's notifications replace each other under. */
char          *hg_notifier_id_for_label  (const char   *label);

G_END_DECLS
