/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "hg-disk-image.h"
#include "hg-runtime.h"

G_BEGIN_DECLS

/*
 * Throwaway mode ("start without saving changes"): every disk of a start
 * gets a temporary qcow2 overlay in the VM's runtime folder whose backing
 * node is the checked disk (read-only); all writes go to the overlay, and
 * the overlays go with the runtime folder's clean-up (stop, kill, crash,
 * and the next start if left over).  A marker file tells a reattaching
 * view that the run is one.
 */

/* <runtime dir>/throwaway-disk<N>.qcow2 */
char     *hg_throwaway_overlay_path (const HgRuntimePaths *paths, guint disk);
/* Makes one overlay per disk of images (backed by its checked top layer)
 * and the marker; images->overlays names them.  Blocking (qemu-img). */
gboolean  hg_throwaway_prepare      (const HgRuntimePaths *paths,
                                     HgVmImages           *images,
                                     GError              **error);
/* Removes the overlays and the marker (never through a symlink) */
void      hg_throwaway_clean        (const HgRuntimePaths *paths);
/* TRUE while a throwaway run's marker is there */
gboolean  hg_throwaway_is_active    (const HgRuntimePaths *paths);

G_END_DECLS
