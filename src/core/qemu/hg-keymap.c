/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-keymap"
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hg-keymap.h"

/*
 * One table per layout: the characters a key gives, without and with
 * Shift (and AltGr), by QEMU's name of the key (the US position).  Letters
 * are in the tables only where they move (de swaps y and z); their capitals
 * are Shift.
 */

G_DEFINE_QUARK (hg-keymap-error-quark, hg_keymap_error)

#define S HG_KEY_MOD_SHIFT
#define G HG_KEY_MOD_ALTGR
#define D HG_KEY_MOD_DEAD

typedef struct {
  gunichar    c;
  const char *qcode;
  guint       mods;
} KeyEntry;

/* the keys every layout here shares */
static const KeyEntry common_keys[] = {
  { ' ', "spc", 0 }, { '\n', "ret", 0 }, { '\t', "tab", 0 },
  { '1', "1", 0 }, { '2', "2", 0 }, { '3', "3", 0 }, { '4', "4", 0 }, { '5', "5", 0 },
  { '6', "6", 0 }, { '7', "7", 0 }, { '8', "8", 0 }, { '9', "9", 0 }, { '0', "0", 0 },
  { 0 }
};

static const KeyEntry en_us_keys[] = {
  { '!', "1", S }, { '@', "2", S }, { '#', "3", S }, { '$', "4", S }, { '%', "5", S },
  { '^', "6", S }, { '&', "7", S }, { '*', "8", S }, { '(', "9", S }, { ')', "0", S },
  { '-', "minus", 0 }, { '_', "minus", S }, { '=', "equal", 0 }, { '+', "equal", S },
  { '[', "bracket_left", 0 }, { '{', "bracket_left", S },
  { ']', "bracket_right", 0 }, { '}', "bracket_right", S },
  { '\\', "backslash", 0 }, { '|', "backslash", S },
  { ';', "semicolon", 0 }, { ':', "semicolon", S },
  { '\'', "apostrophe", 0 }, { '"', "apostrophe", S },
  { '`', "grave_accent", 0 }, { '~', "grave_accent", S },
  { ',', "comma", 0 }, { '<', "comma", S }, { '.', "dot", 0 }, { '>', "dot", S },
  { '/', "slash", 0 }, { '?', "slash", S },
  { 0 }
};

/* German (T1): QWERTZ, with dead ^ ´ ` */
static const KeyEntry de_keys[] = {
  { 'y', "z", 0 }, { 'Y', "z", S }, { 'z', "y", 0 }, { 'Z', "y", S },
  { '!', "1", S }, { '"', "2", S }, { 0x00a7 /* § */, "3", S }, { '$', "4", S },
  { '%', "5", S }, { '&', "6", S }, { '/', "7", S }, { '(', "8", S }, { ')', "9", S },
  { '=', "0", S },
  { 0x00b2 /* ² */, "2", G }, { 0x00b3 /* ³ */, "3", G },
  { '{', "7", G }, { '[', "8", G }, { ']', "9", G }, { '}', "0", G },
  { 0x00df /* ß */, "minus", 0 }, { '?', "minus", S }, { '\\', "minus", G },
  { 0x00b4 /* ´ */, "equal", D }, { '`', "equal", S | D },
  { '^', "grave_accent", D }, { 0x00b0 /* ° */, "grave_accent", S },
  { '@', "q", G }, { 0x20ac /* € */, "e", G }, { 0x00b5 /* µ */, "m", G },
  { 0x00fc /* ü */, "bracket_left", 0 }, { 0x00dc /* Ü */, "bracket_left", S },
  { '+', "bracket_right", 0 }, { '*', "bracket_right", S }, { '~', "bracket_right", G },
  { 0x00f6 /* ö */, "semicolon", 0 }, { 0x00d6 /* Ö */, "semicolon", S },
  { 0x00e4 /* ä */, "apostrophe", 0 }, { 0x00c4 /* Ä */, "apostrophe", S },
  { '#', "backslash", 0 }, { '\'', "backslash", S },
  { '<', "less", 0 }, { '>', "less", S }, { '|', "less", G },
  { ',', "comma", 0 }, { ';', "comma", S }, { '.', "dot", 0 }, { ':', "dot", S },
  { '-', "slash", 0 }, { '_', "slash", S },
  { 0 }
};

#undef S
#undef G
#undef D

static const struct {
  const char     *name;
  const KeyEntry *keys;
} keymaps[] = {
  { "en-us", en_us_keys },
  { "de", de_keys },
};

static const char * const keymap_names[] = { "en-us", "de", NULL };

const char * const *
hg_keymap_names (void)
{
  return keymap_names;
}

/* The key for c, from the layout's own table, then the shared keys, then
 * plain letters; FALSE when there is none. */
static gboolean
lookup (const KeyEntry *keys,
        gunichar        c,
        HgKeyStroke    *out)
{
  static const char * const letters[] = {
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
  };

  for (const KeyEntry *k = keys; k->c != 0; k++)
    if (k->c == c)
      {
        *out = (HgKeyStroke) { k->qcode, k->mods };
        return TRUE;
      }
  for (const KeyEntry *k = common_keys; k->c != 0; k++)
    if (k->c == c)
      {
        *out = (HgKeyStroke) { k->qcode, k->mods };
        return TRUE;
      }
  if (c >= 'a' && c <= 'z')
    {
      *out = (HgKeyStroke) { letters[c - 'a'], 0 };
      return TRUE;
    }
  if (c >= 'A' && c <= 'Z')
    {
      *out = (HgKeyStroke) { letters[c - 'A'], HG_KEY_MOD_SHIFT };
      return TRUE;
    }
  return FALSE;
}

GArray *
hg_keymap_text_to_strokes (const char  *keymap,
                           const char  *text,
                           GError     **error)
{
  g_autoptr(GArray) strokes = NULL;
  g_autoptr(GString) missing = NULL;
  const KeyEntry *keys = NULL;
  guint n_missing = 0;

  g_return_val_if_fail (text != NULL, NULL);

  if (keymap == NULL || *keymap == '\0')
    keymap = "en-us";
  for (gsize i = 0; i < G_N_ELEMENTS (keymaps); i++)
    if (g_ascii_strcasecmp (keymaps[i].name, keymap) == 0 ||
        (g_ascii_strcasecmp (keymap, "us") == 0 && g_str_equal (keymaps[i].name, "en-us")))
      keys = keymaps[i].keys;
  if (keys == NULL)
    {
      g_autofree char *names = g_strjoinv (", ", (char **) keymap_names);

      g_set_error (error, HG_KEYMAP_ERROR, HG_KEYMAP_ERROR_UNKNOWN_KEYMAP,
                   _("Typing text knows no keyboard layout “%s” (only %s): set the VM's "
                     "keymap to one of them, or use send-key"), keymap, names);
      return NULL;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, HG_KEYMAP_ERROR, HG_KEYMAP_ERROR_UNMAPPED,
                   _("The text to type is not valid UTF-8"));
      return NULL;
    }

  strokes = g_array_new (FALSE, FALSE, sizeof (HgKeyStroke));
  missing = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      HgKeyStroke stroke;

      if (c == '\r')
        {
          if (p[1] == '\n')
            continue;
          c = '\n';
        }
      if (lookup (keys, c, &stroke))
        {
          g_array_append_val (strokes, stroke);
          if (stroke.mods & HG_KEY_MOD_DEAD)
            {
              HgKeyStroke space = { "spc", 0 };

              g_array_append_val (strokes, space);
            }
          continue;
        }
      /* each character the layout lacks, once, up to ten */
      {
        g_autofree char *name = NULL;

        if (g_unichar_isgraph (c))
          {
            char utf8[7] = { 0 };

            g_unichar_to_utf8 (c, utf8);
            name = g_strdup_printf ("“%s” (U+%04X)", utf8, c);
          }
        else
          name = g_strdup_printf ("U+%04X", c);
        if (strstr (missing->str, name) != NULL)
          continue;
        if (n_missing++ < 10)
          g_string_append_printf (missing, "%s%s", missing->len > 0 ? ", " : "", name);
      }
    }
  if (n_missing > 0)
    {
      if (n_missing > 10)
        g_string_append (missing, ", …");
      g_set_error (error, HG_KEYMAP_ERROR, HG_KEYMAP_ERROR_UNMAPPED,
                   _("The keyboard layout %s has no key for %s: nothing was typed"),
                   keymap, missing->str);
      return NULL;
    }
  return g_steal_pointer (&strokes);
}
