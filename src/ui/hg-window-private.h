/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-details-view.h"
#include "hg-network-view.h"
#include "hg-serial-view.h"
#include "hg-vm.h"
#include "hg-vm-manager.h"
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
  GtkBox               *network_box;
  HgNetworkView        *network_view;  /* made when first shown */
  GtkWindow            *help_overlay;  /* the shortcuts window, made when first shown */

  HgVmManager          *manager;       /* the library's VMs (the model) */
  GPtrArray            *shown;         /* HgVm: the manager's items, followed */
  GCancellable         *cancellable;   /* cancelled when the window goes */
  HgVm                 *current;       /* the selected VM, or NULL */
  char                 *pending_select;/* select this path after the next load */
  GSimpleActionGroup   *vm_actions;
  HgNotifier           *notifier;      /* the application's, watching our VMs */

  guint                 uptime_id;
  gboolean              open_display;  /* show the selected VM's display after the load */
  gboolean              filling;       /* the tree is being (re)filled */
  gboolean              early_display; /* --display: connect before the attach */
  gboolean              early_connected; /* ... and did so: the attach decides */
  gboolean              scan_deferred; /* the scan waits for the early display */
  gulong                deferred_update_id;
  gulong                deferred_state_id;
  guint                 deferred_timeout_id;
  guint                 settle_id;     /* the early display has settled */
  /* a load that finished before the window's first frame waits for it */
  gboolean              drawn;         /* the first frame is drawn */
  GPtrArray            *pending_entries;
  guint                 fill_id;
};

/* hg-window-new-vm.c: win.new-vm, the creation assistant */
void hg_window_action_new_vm      (GSimpleAction *action,
                                   GVariant      *param,
                                   gpointer       user_data);

/* hg-window-actions.c */
void hg_window_init_vm_actions    (HgWindow *self);
void hg_window_update_vm_actions  (HgWindow *self);

/* hg-window.c */
void hg_window_show_message       (HgWindow       *self,
                                   GtkMessageType  type,
                                   const char     *message);
/* Points the display and terminals at the selected VM's sockets, or lets
 * go of them */
void hg_window_update_consoles    (HgWindow *self);

/* hg-window-runtime.c: the runtime line of the details */
/* "pid 1234 · up 3 minutes · tcg · /run/…" or NULL */
char *hg_window_describe_runtime    (HgVm     *vm);
void  hg_window_update_runtime      (HgWindow *self);
void  hg_window_clear_runtime       (HgWindow *self);

G_END_DECLS
