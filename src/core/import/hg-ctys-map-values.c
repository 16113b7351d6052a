/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "hg-ctys-map-private.h"

/* ------------------------------------------------------------------------
 * Value parsers
 * ------------------------------------------------------------------------ */

static const HgCtysArchAlias arch_aliases[] = {
  { "i386", "i386", NULL, NULL },       { "x86", "i386", NULL, NULL },
  { "i486", "i386", "486", NULL },      { "i586", "i386", "pentium", NULL },
  { "i686", "i386", "pentium3", NULL }, { "pentium", "i386", "pentium", NULL },
  { "x86_64", "x86_64", NULL, NULL },   { "x86-64", "x86_64", NULL, NULL },
  { "amd64", "x86_64", NULL, NULL },    { "x64", "x86_64", NULL, NULL },
  { "em64t", "x86_64", NULL, NULL },
  { "arm", "arm", NULL, NULL },         { "arm926", "arm", "arm926", NULL },
  { "arm1026", "arm", "arm1026", NULL },{ "arm1136", "arm", "arm1136", NULL },
  { "arm11mpcore", "arm", "arm11mpcore", NULL },
  { "cortex-a8", "arm", "cortex-a8", NULL }, { "cortex-a9", "arm", "cortex-a9", NULL },
  { "cortex-a15", "arm", "cortex-a15", NULL }, { "ti925t", "arm", "ti925t", NULL },
  { "sa1100", "arm", "sa1100", NULL },  { "pxa270", "arm", "pxa270", NULL },
  { "aarch64", "aarch64", NULL, NULL }, { "arm64", "aarch64", NULL, NULL },
  { "mips", "mips", NULL, NULL },       { "mipsel", "mipsel", NULL, NULL },
  { "ppc", "ppc", NULL, NULL },         { "powerpc", "ppc", NULL, NULL },
  { "ppcemb", "ppc", NULL, NULL },
  { "ppc64", "ppc64", NULL, NULL },     { "powerpc64", "ppc64", NULL, NULL },
  { "sh4", "sh4", NULL, NULL },
  { "m68k", "m68k", NULL, NULL },       { "coldfire", "m68k", NULL, "mcf5208evb" },
  { "alpha", "alpha", NULL, NULL },
  { "sparc", "sparc", NULL, NULL },     { "spark", "sparc", NULL, NULL },
  { "sparc64", "sparc64", NULL, NULL },
  { "riscv64", "riscv64", NULL, NULL },
  { "s390x", "s390x", NULL, NULL },     { "mips64el", "mips64el", NULL, NULL },
  { "armhf", "arm", NULL, NULL },       { "ppc64el", "ppc64", NULL, NULL },
};

const HgCtysArchAlias *
_hg_ctys_map_arch_lookup (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  g_strstrip (lower);
  for (guint i = 0; i < G_N_ELEMENTS (arch_aliases); i++)
    if (strcmp (lower, arch_aliases[i].name) == 0)
      return &arch_aliases[i];
  return NULL;
}

/* The arch of an emulator binary: qemu-system-<arch>, qemu, kvm, qemu-kvm */
const char *
_hg_ctys_map_arch_from_starter (const char *value,
                                gboolean   *is_kvm)
{
  g_auto(GStrv) argv = g_strsplit_set (value, " \t", -1);
  g_autofree char *base = NULL;
  const HgCtysArchAlias *alias;
  const char *first = NULL;

  *is_kvm = FALSE;
  for (guint i = 0; argv[i] != NULL && first == NULL; i++)
    if (argv[i][0] != '\0')
      first = argv[i];
  if (first == NULL)
    return NULL;

  base = g_path_get_basename (first);
  if (strcmp (base, "kvm") == 0 || strcmp (base, "qemu-kvm") == 0)
    {
      *is_kvm = TRUE;
      return "x86_64";
    }
  if (strcmp (base, "qemu") == 0)
    return "i386";
  if (!g_str_has_prefix (base, "qemu-system-"))
    return NULL;
  alias = _hg_ctys_map_arch_lookup (base + strlen ("qemu-system-"));
  return (alias && alias->cpu == NULL && alias->machine == NULL) ? alias->arch : NULL;
}

/* MiB from "128", "128M", "2G", "524288k" */
gboolean
_hg_ctys_map_parse_mib (const char *value,
                        guint      *out)
{
  g_autofree char *v = _hg_ctys_map_trimmed (value);
  guint64 n;
  char *end = NULL;

  if (!g_ascii_isdigit (v[0]))
    return FALSE;
  errno = 0;
  n = g_ascii_strtoull (v, &end, 10);
  if (errno != 0)
    return FALSE;
  if (g_ascii_strcasecmp (end, "") == 0 || g_ascii_strcasecmp (end, "m") == 0 ||
      g_ascii_strcasecmp (end, "mb") == 0 || g_ascii_strcasecmp (end, "mib") == 0)
    ;
  else if (g_ascii_strcasecmp (end, "g") == 0 || g_ascii_strcasecmp (end, "gb") == 0 ||
           g_ascii_strcasecmp (end, "gib") == 0)
    n = n > G_MAXUINT32 / 1024 ? G_MAXUINT64 : n * 1024;
  else if (g_ascii_strcasecmp (end, "k") == 0 || g_ascii_strcasecmp (end, "kb") == 0)
    n = n / 1024;
  else
    return FALSE;
  if (n == 0 || n > HG_CONFIG_MAX_MEMORY_MIB)
    return FALSE;
  *out = (guint) n;
  return TRUE;
}

/* "00:50:56:13:13:19" (or with dashes) -> lower case with colons */
char *
_hg_ctys_map_normalize_mac (const char *value)
{
  g_autofree char *v = _hg_ctys_map_trimmed (value);
  g_autoptr(GString) out = g_string_new (NULL);
  guint octets = 0;
  const char *p = v;

  while (*p != '\0')
    {
      if (!g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1]))
        return NULL;
      if (octets > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_tolower (p[0]));
      g_string_append_c (out, g_ascii_tolower (p[1]));
      octets++;
      p += 2;
      if (*p == ':' || *p == '-')
        {
          p++;
          if (*p == '\0')
            return NULL;
        }
      else if (*p != '\0')
        return NULL;
    }
  if (octets != 6 || !hg_mac_is_valid (out->str))  /* multicast, all zero */
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
_hg_ctys_map_normalize_uuid (const char *value)
{
  g_autofree char *v = g_ascii_strdown (value, -1);
  g_autoptr(GString) hex = g_string_new (NULL);

  g_strstrip (v);
  for (const char *p = v; *p != '\0'; p++)
    {
      if (g_ascii_isxdigit (*p))
        g_string_append_c (hex, *p);
      else if (*p != '-')
        return NULL;
    }
  if (hex->len != 32)
    return NULL;
  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", hex->str, hex->str + 8,
                          hex->str + 12, hex->str + 16, hex->str + 20);
}

gboolean
_hg_ctys_map_boot_mode_from_ctys (const char *value,
                                  HgBootMode *out)
{
  static const struct { const char *name; HgBootMode mode; } table[] = {
    { "VHDD", HG_BOOT_DISK },   { "HDD", HG_BOOT_DISK },
    { "CD", HG_BOOT_CDROM },    { "DVD", HG_BOOT_CDROM },
    { "CDROM", HG_BOOT_CDROM }, { "INSTALL", HG_BOOT_CDROM },
    { "ISO", HG_BOOT_CDROM },
    { "PXE", HG_BOOT_PXE },     { "NET", HG_BOOT_PXE },
    { "KERNEL", HG_BOOT_KERNEL },
    { "FDD", HG_BOOT_FLOPPY },  { "USB", HG_BOOT_USB },
  };
  g_autofree char *v = _hg_ctys_map_trimmed (value);
  char *pct = strchr (v, '%');

  if (pct != NULL)
    *pct = '\0';  /* BOOTMODE=VHDD%/path, INSTMODE=CD%src%HDD%target%init */
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_ascii_strcasecmp (v, table[i].name) == 0)
      {
        *out = table[i].mode;
        return TRUE;
      }
  return FALSE;
}

/* 1..max_len of [A-Za-z0-9._-] plus extra, not starting with '.' or '-':
 * the rule hg_vm_config_validate() applies to machine, cpu, model, keymap */
gboolean
_hg_ctys_map_is_token (const char *value,
                       const char *extra,
                       gsize       max_len)
{
  gsize len = strlen (value);

  if (len == 0 || len > max_len || value[0] == '.' || value[0] == '-')
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-", *p) == NULL &&
        (extra == NULL || strchr (extra, *p) == NULL))
      return FALSE;
  return TRUE;
}

gboolean
_hg_ctys_map_is_vga_type (const char *value)
{
  static const char *const types[] = {
    "std", "cirrus", "vmware", "qxl", "xenfb", "tcx", "cg3", "virtio", "none",
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (strcmp (value, types[i]) == 0)
      return TRUE;
  return FALSE;
}
