/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-disk-image.h"

G_BEGIN_DECLS

/* Shared by hg-disk-image.c (info parse, create, copy, convert, ISO, sizes)
 * and hg-disk-image-check.c (the layer-by-layer check of untrusted images). */

/* qemu-img's path, or NULL with HG_DISK_IMAGE_ERROR_NO_TOOL */
char *_hg_disk_image_no_tool    (GError **error);

G_END_DECLS
