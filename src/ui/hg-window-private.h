/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-details-view.h"
#include "hg-serial-view.h"
#include "hg-vm.h"
#include "hg-vm-tree.h"
#include "hg-vnc-view.h"
#include "hg-window.h"

G_BEGIN_DECLS

struct _HgWindow
{
  GtkApplicationWindow  parent_instance;

  /* template */
  GtkHeaderBar         *header_bar;
  GtkPaned             *paned;
  HgVmTree             *tree;
  GtkInfoBar           *message_bar;
  GtkLabel             *message_label;
  GtkStack             *pages;
  HgDetailsView        *details;
  HgVncView            *vnc_view;
  HgSerialView         *serial_view;
  HgSerialView         *monitor_view;

  GStrv                 bases;         /* NULL = default bases */
  GCancellable         *cancellable;   /* cancelled when the window goes */
  GCancellable         *scan_cancellable;
  HgHostCaps           *caps;          /* NULL while the host is probed */
  GHashTable           *vms;           /* config path -> HgVm */
  HgVm                 *current;       /* the selected VM, or NULL */
  char                 *pending_select;/* select this path after the next load */
  GSimpleActionGroup   *vm_actions;
  GPtrArray            *monitors;      /* GFileMonitor of the bases and folders */
  guint                 reload_id;     /* debounce of file-monitor reloads */
};

/* hg-window-actions.c */
void hg_window_init_vm_actions    (HgWindow *self);
void hg_window_update_vm_actions  (HgWindow *self);

/* hg-window.c */
void hg_window_show_message       (HgWindow       *self,
                                   GtkMessageType  type,
                                   const char     *message);
/* Adds an HgVm for a loaded VM, attaches it if it runs (reattach) and
 * follows its state in the tree. */
void hg_window_add_vm             (HgWindow   *self,
                                   const char *base,
                                   const char *folder,
                                   const char *config_path,
                                   HgVmConfig *config,
                                   const char *error);

G_END_DECLS
