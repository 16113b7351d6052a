/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-host.h"

G_BEGIN_DECLS

/*
 * HgNetworkView — the window's network view: the user's VDE
 * switches with their state, their ports and the VM (or program) on each
 * port with its traffic counters; the hgtap devices of the host with their
 * owner; buttons to create or remove host access (hangar-net-helper through
 * pkexec).  Failures — polkit refusals, a missing pkexec or helper, a missing
 * tun module — show in an info bar with the helper's own words.
 *
 * Each switch is watched (HgSwitch "link-down"/"link-up"): a dead switch is
 * shown as "link down" until it is back.
 *
 * Properties:
 *   "runtime-root"  char*   construct-only, NULL = hg_runtime_root()
 */

#define HG_TYPE_NETWORK_VIEW (hg_network_view_get_type ())
G_DECLARE_FINAL_TYPE (HgNetworkView, hg_network_view, HG, NETWORK_VIEW, GtkBox)

GtkWidget  *hg_network_view_new      (const char *runtime_root, HgHostCaps *caps);
/* Re-reads switches, ports and TAPs (ports in a worker thread). */
void        hg_network_view_refresh  (HgNetworkView *self);
/* The error shown in the info bar, or NULL. */
const char *hg_network_view_get_error (HgNetworkView *self);
/* For tests: the tree's rows as "switch|port|who|in|out" lines. */
char       *hg_network_view_dump     (HgNetworkView *self);

G_END_DECLS
