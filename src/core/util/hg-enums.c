/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-core"
#include "config.h"

#include "hg-enums.h"

/* Enum <-> string through the GEnum types that glib-mkenums makes of the
 * headers (gnome.mkenums_simple in each folder's meson.build): the nick of
 * a value is its string, so there is no second table to keep in step. */

const char *
hg_enum_to_nick (GType type,
                 int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  /* the class of a static type is never freed: the nick outlives the ref */
  return v != NULL ? v->value_nick : NULL;
}

gboolean
hg_enum_from_nick (GType       type,
                   const char *nick,
                   int        *out)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *v;

  if (nick == NULL)
    return FALSE;
  klass = g_type_class_ref (type);
  v = g_enum_get_value_by_nick (klass, nick);
  if (v == NULL)
    return FALSE;
  *out = v->value;
  return TRUE;
}

#define ENUM_STRINGS(name, Type, TYPE)                                  \
  const char *                                                          \
  hg_##name##_to_string (Type value)                                    \
  {                                                                     \
    return hg_enum_to_nick (TYPE, (int) value);                         \
  }                                                                     \
  gboolean                                                              \
  hg_##name##_from_string (const char *str, Type *out)                  \
  {                                                                     \
    int value;                                                          \
                                                                        \
    if (!hg_enum_from_nick (TYPE, str, &value))                         \
      return FALSE;                                                     \
    *out = (Type) value;                                                \
    return TRUE;                                                        \
  }

ENUM_STRINGS (accel, HgAccel, HG_TYPE_ACCEL)
ENUM_STRINGS (boot_mode, HgBootMode, HG_TYPE_BOOT_MODE)
ENUM_STRINGS (net_mode, HgNetMode, HG_TYPE_NET_MODE)
ENUM_STRINGS (console, HgConsole, HG_TYPE_CONSOLE)
ENUM_STRINGS (firmware_kind, HgFirmwareKind, HG_TYPE_FIRMWARE_KIND)
