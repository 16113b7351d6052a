/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * HgDetailsView — what the window shows about the selected VM: machine,
 * guest, boot, disks and media, network, runtime (state, pid, uptime, the
 * accelerator really in use), the port forwards of a user-mode NIC (each
 * with "Copy Address"), the assembled QEMU command line, and the last
 * lines of the log of a VM that crashed.  A VM whose config cannot be
 * loaded shows its error instead.  It only displays what it is given.
 */

#define HG_TYPE_DETAILS_VIEW (hg_details_view_get_type ())
G_DECLARE_FINAL_TYPE (HgDetailsView, hg_details_view, HG, DETAILS_VIEW, GtkBox)

GtkWidget  *hg_details_view_new              (void);
/* config NULL + error: a broken VM; both NULL: nothing selected */
void        hg_details_view_set_vm           (HgDetailsView *self,
                                              const char    *config_path,
                                              HgVmConfig    *config,
                                              const char    *error);
/* The argv rendered for display, or the reason there is none */
void        hg_details_view_set_command_line (HgDetailsView *self,
                                              const char    *command_line,
                                              const char    *error);
/* The command line of the selected VM is built once its images are
 * checked (in a thread): shows "checking…" and returns a cancellable for
 * that check, owned by the view and cancelled when the selection changes
 * (hg_details_view_set_vm), a newer check begins, or the view goes.  The
 * check's end calls hg_details_view_set_command_line() unless cancelled. */
GCancellable *hg_details_view_begin_command_line (HgDetailsView *self);
/* state: HgVm's state name, or "not-responding"; details: "pid 1234 · up 3 min · tcg" or NULL */
void        hg_details_view_set_runtime      (HgDetailsView *self,
                                              const char    *state,
                                              const char    *details);
/* Last lines of the log of a crashed VM; NULL hides the section */
void        hg_details_view_set_log_tail     (HgDetailsView *self,
                                              const char    *log_tail);
/* Another VM of the library has this one's uuid (other_config_path, or
 * NULL: none): an info bar says so, with a button that emits "reidentify"
 * (void (*) (HgDetailsView *view, gpointer user_data)). */
void        hg_details_view_set_same_identity (HgDetailsView *self,
                                               const char    *other_config_path);
/* What the command-line box shows (tests) */
char       *hg_details_view_dup_command_line (HgDetailsView *self);
const char *hg_details_view_get_title        (HgDetailsView *self);
/* Everything shown as "name: value" lines (title, error, arch, machine, cpu,
 * accel, memory, cpus, console, os, boot, disks, media, network, runtime,
 * forward (one per forward), cmdline, log), for tests */
char       *hg_details_view_dump             (HgDetailsView *self);

G_END_DECLS
