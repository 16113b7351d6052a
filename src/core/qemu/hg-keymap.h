/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Text as key presses: each character of a text mapped to the QEMU key
 * (qcode) that types it on a keyboard layout, with the modifiers it needs.
 * The layout is the guest's (the config's [display] keymap): the keys are
 * where that layout has the characters.  Layouts: en-us (the default) and
 * de.  Pure tables, no QEMU.
 */

#define HG_KEYMAP_ERROR (hg_keymap_error_quark ())

typedef enum {
  HG_KEYMAP_ERROR_UNKNOWN_KEYMAP,   /* a layout without a table here */
  HG_KEYMAP_ERROR_UNMAPPED,         /* characters the layout has no key for */
} HgKeymapError;

GQuark hg_keymap_error_quark (void);

typedef enum {
  HG_KEY_MOD_SHIFT = 1 << 0,
  HG_KEY_MOD_ALTGR = 1 << 1,
  HG_KEY_MOD_DEAD  = 1 << 2,   /* a dead key: followed by a space to type itself */
} HgKeyMods;

typedef struct {
  const char *qcode;   /* QEMU QKeyCode name ("a", "minus", "ret") */
  guint       mods;    /* HgKeyMods */
} HgKeyStroke;

/* The layouts there are tables for, NULL-terminated: "en-us", "de" */
const char * const *hg_keymap_names (void);

/* The strokes that type text on keymap (NULL: en-us).  "\n" and "\r\n" are
 * Return, "\t" Tab.  Every character is checked before anything is
 * returned: NULL with HG_KEYMAP_ERROR_UNMAPPED naming the characters the
 * layout lacks, or HG_KEYMAP_ERROR_UNKNOWN_KEYMAP naming the layouts
 * there are.  Returns a GArray of HgKeyStroke. */
GArray *hg_keymap_text_to_strokes (const char  *keymap,
                                   const char  *text,
                                   GError     **error);

G_END_DECLS
