/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Screenshots: QEMU 7.0 and older (or builds without libpng) write PPM
 * only; Hangar turns that into PNG itself (zlib, no image library). */

/* A binary PPM (P6, maxval 255) to a PNG (8-bit RGB).  Errors are
 * G_IO_ERROR_INVALID_DATA naming what is wrong with the PPM. */
GBytes  *hg_image_ppm_to_png  (const guint8 *ppm, gsize length, GError **error);

/* TRUE if data starts with the PNG signature. */
gboolean hg_image_is_png      (const guint8 *data, gsize length);

G_END_DECLS
