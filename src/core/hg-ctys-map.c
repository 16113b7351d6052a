/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-ctys-private.h"

/* Mapping of ctys variables to an HgVmConfig.
 *
 * Where things go that HgVmConfig has no field for:
 *   IP / IP0, NETMASK        -> [guest] ip, netmask
 *   OSREL / OSVERSION        -> [guest] os-release (the OS/kernel release,
 *                               when DIST/DISTREL name the distribution)
 *   unmapped variables       -> [ctys] NAME=value
 *   unmapped #@# metadata    -> [ctys] meta-NAME=value
 *   the source file          -> [ctys] imported-from
 */

#define GROUP_CTYS  "ctys"
#define GROUP_GUEST "guest"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

typedef struct {
  HgCtysImport *imp;
  HgVmConfig   *cfg;
  GKeyFile     *extra;  /* keys without a struct field, merged at the end */
} Map;

static void reject (Map *m, CtysVar *var, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* NULL when a value can become a config value, else what is wrong with it */
static const char *
value_problem (const char *value)
{
  if (strlen (value) > HG_CONFIG_MAX_VALUE_LEN)
    return _("longer than 4096 bytes");
  for (const char *p = value; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return _("contains a line break or another control character");
  return NULL;
}

static CtysVar *
checked (Map     *m,
         CtysVar *var)
{
  const char *problem;

  if (var == NULL)
    return NULL;
  var->used = TRUE;
  problem = value_problem (var->value);
  if (problem != NULL)
    {
      reject (m, var, "%s", problem);
      return NULL;
    }
  return var;
}

static CtysVar *
take (Map        *m,
      const char *name)
{
  return checked (m, g_hash_table_lookup (m->imp->vars, name));
}

/* The first of several aliases that is assigned; the others are marked as
 * taken over too and, when different, noted as superseded. */
static CtysVar *
take_first (Map               *m,
            const char *const *names)
{
  CtysVar *found = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      CtysVar *var = take (m, names[i]);

      if (var == NULL)
        continue;
      if (found == NULL)
        found = var;
      else if (g_strcmp0 (found->value, var->value) != 0)
        hg_ctys_add_note (m->imp->map_notes, HG_CTYS_NOTE_INFO, var->line, var->name,
                          var->value, _("superseded by %s (line %u)"),
                          found->name, found->line);
    }
  return found;
}

static CtysVar *
take_meta (Map        *m,
           const char *name)
{
  return checked (m, g_hash_table_lookup (m->imp->meta, name));
}

static void
reject (Map        *m,
        CtysVar    *var,
        const char *format,
        ...)
{
  va_list args;

  var->used = FALSE;
  g_free (var->reason);
  va_start (args, format);
  var->reason = g_strdup_vprintf (format, args);
  va_end (args);
}

#define info(m, line, key, text, ...) \
  hg_ctys_add_note ((m)->imp->map_notes, HG_CTYS_NOTE_INFO, line, key, text, __VA_ARGS__)

static void
set_str (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = (value != NULL && value[0] != '\0') ? g_strdup (value) : NULL;
}

static char *
trimmed (const char *value)
{
  return g_strstrip (g_strdup (value ? value : ""));
}

static gboolean
has_unevaluated (const char *value)
{
  return strchr (value, '$') != NULL || strchr (value, '`') != NULL;
}

/* A path from the file: relative paths are relative to the file's directory
 * (the ctys wrapper cds there before it starts QEMU). */
static char *
resolve_path (Map        *m,
              const char *value)
{
  g_autofree char *v = trimmed (value);

  if (v[0] == '\0')
    return NULL;
  if (m->imp->dir == NULL || g_path_is_absolute (v) || has_unevaluated (v) || v[0] == '~')
    return g_steal_pointer (&v);
  return g_canonicalize_filename (v, m->imp->dir);
}

static const char *
format_from_magic (const char *path)
{
  guchar buf[72] = { 0 };
  gssize n;
  int fd;

  if (path == NULL || !g_path_is_absolute (path))
    return NULL;
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    return NULL;
  n = read (fd, buf, sizeof buf);
  close (fd);
  if (n < 8)
    return NULL;
  if (memcmp (buf, "QFI\xfb", 4) == 0)
    return "qcow2";
  if (memcmp (buf, "QED\0", 4) == 0)
    return "qed";
  if (memcmp (buf, "KDMV", 4) == 0)
    return "vmdk";
  if (memcmp (buf, "conectix", 8) == 0)
    return "vpc";
  if (n >= 68 && buf[64] == 0x7f && buf[65] == 0x10 && buf[66] == 0xda && buf[67] == 0xbe)
    return "vdi";
  return "raw";
}

static const char *
format_from_name (const char *path)
{
  static const struct { const char *ext, *format; } table[] = {
    { ".qcow2", "qcow2" }, { ".qed", "qed" }, { ".vhdx", "vhdx" },
    { ".vmdk", "vmdk" },   { ".vdi", "vdi" },   { ".vhd", "vpc" },
    { ".img", "raw" },     { ".raw", "raw" },   { ".iso", "raw" },
    { ".dd", "raw" },      { ".bin", "raw" },   { ".hdd", "raw" },
  };
  g_autofree char *lower = g_ascii_strdown (path, -1);

  if (g_str_has_prefix (path, "/dev/"))
    return "raw";
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_has_suffix (lower, table[i].ext))
      return table[i].format;
  return NULL;
}

static void
add_disk (Map        *m,
          CtysVar    *var,
          const char *path,
          const char *format)
{
  const char *detected = format_from_magic (path);

  if (format == NULL)
    format = detected ? detected : format_from_name (path);
  if (format == NULL)
    {
      format = "raw";
      info (m, var ? var->line : 0, var ? var->name : NULL, path,
            _("image format not recognised from its name; raw assumed"));
    }
  else if (detected == NULL && var != NULL)
    info (m, var->line, var->name, path,
          _("image not found; format %s taken from its name"), format);
  g_ptr_array_add (m->cfg->disks, hg_disk_new (path, format, NULL));
}

static void
add_medium (Map          *m,
            HgMediumKind  kind,
            const char   *path)
{
  for (guint i = 0; i < m->cfg->media->len; i++)
    {
      HgMedium *medium = g_ptr_array_index (m->cfg->media, i);

      if (medium->kind == kind && g_strcmp0 (medium->path, path) == 0)
        return;
    }
  g_ptr_array_add (m->cfg->media, hg_medium_new (kind, path));
}

/* ------------------------------------------------------------------------
 * Value parsers
 * ------------------------------------------------------------------------ */

typedef struct {
  const char *name;     /* ctys ARCH value or QEMU emulator suffix, lower case */
  const char *arch;     /* Hangar arch */
  const char *cpu;      /* CPU model implied by the name, or NULL */
  const char *machine;  /* machine implied by the name, or NULL */
} ArchAlias;

static const ArchAlias arch_aliases[] = {
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
};

static const ArchAlias *
arch_lookup (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  g_strstrip (lower);
  for (guint i = 0; i < G_N_ELEMENTS (arch_aliases); i++)
    if (strcmp (lower, arch_aliases[i].name) == 0)
      return &arch_aliases[i];
  return NULL;
}

/* The arch of an emulator binary: qemu-system-<arch>, qemu, kvm, qemu-kvm */
static const char *
arch_from_starter (const char *value,
                   gboolean   *is_kvm)
{
  g_auto(GStrv) argv = g_strsplit_set (value, " \t", -1);
  g_autofree char *base = NULL;
  const ArchAlias *alias;
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
  alias = arch_lookup (base + strlen ("qemu-system-"));
  return (alias && alias->cpu == NULL && alias->machine == NULL) ? alias->arch : NULL;
}

/* MiB from "128", "128M", "2G", "524288k" */
static gboolean
parse_mib (const char *value,
           guint      *out)
{
  g_autofree char *v = trimmed (value);
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
static char *
normalize_mac (const char *value)
{
  g_autofree char *v = trimmed (value);
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

static char *
normalize_uuid (const char *value)
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

static gboolean
boot_mode_from_ctys (const char *value,
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
  g_autofree char *v = trimmed (value);
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
static gboolean
is_token (const char *value,
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

static gboolean
is_vga_type (const char *value)
{
  static const char *const types[] = {
    "std", "cirrus", "vmware", "qxl", "xenfb", "tcx", "cg3", "virtio", "none",
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (strcmp (value, types[i]) == 0)
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------------------
 * The mapping, group by group
 * ------------------------------------------------------------------------ */

static char *
choose_label (HgCtysImport  *imp,
              GPtrArray     *notes,
              GError       **error)
{
  CtysVar *var = g_hash_table_lookup (imp->vars, "LABEL");
  CtysVar *meta = g_hash_table_lookup (imp->meta, "LABEL");
  g_autofree char *from_name = NULL;
  struct { const char *value; const char *what; CtysVar *var; } candidates[4] = {
    { imp->label_override, "label", NULL },
    { var ? var->value : NULL, "LABEL", var },
    { meta ? meta->value : NULL, "#@#LABEL", meta },
    { NULL, "file name", NULL },
  };

  if (imp->path != NULL)
    {
      from_name = g_path_get_basename (imp->path);
      if (g_str_has_suffix (from_name, ".ctys"))
        from_name[strlen (from_name) - strlen (".ctys")] = '\0';
      candidates[3].value = from_name;
    }

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autoptr(GError) local = NULL;

      if (candidates[i].value == NULL)
        continue;
      if (hg_label_is_valid (candidates[i].value, &local))
        {
          if (candidates[i].var != NULL)
            candidates[i].var->used = TRUE;
          return g_strdup (candidates[i].value);
        }
      if (candidates[i].var != NULL)
        {
          g_free (candidates[i].var->reason);
          candidates[i].var->reason = g_strdup (_("not a valid Hangar label"));
        }
      hg_ctys_add_note (notes, HG_CTYS_NOTE_INFO,
                        candidates[i].var ? candidates[i].var->line : 0,
                        candidates[i].what, candidates[i].value,
                        _("not a valid Hangar label (1–64 of A–Z a–z 0–9 . _ -, "
                          "not starting with . or -)"));
    }

  g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_INVALID_LABEL,
               _("%s: no valid label in LABEL, #@#LABEL or the file name; "
                 "give one explicitly"), imp->display);
  return NULL;
}

static void
map_machine (Map *m)
{
  HgVmConfig *cfg = m->cfg;
  CtysVar *starter = take (m, "STARTERCALL");
  CtysVar *arch = take (m, "ARCH");
  CtysVar *accel = take (m, "ACCELERATOR");
  CtysVar *cpu = take (m, "CPU");
  CtysVar *mem = take (m, "MEMSIZE");
  CtysVar *smp = take (m, "SMP");
  CtysVar *uuid = take (m, "UUID");
  const ArchAlias *alias = NULL;
  const char *starter_arch = NULL;
  gboolean starter_kvm = FALSE;

  if (uuid == NULL)
    uuid = take_meta (m, "UUID");
  if (uuid != NULL && uuid->value[0] != '\0')
    {
      g_autofree char *u = normalize_uuid (uuid->value);

      if (u != NULL)
        set_str (&cfg->uuid, u);
      else
        reject (m, uuid, _("not a UUID"));
    }

  if (starter != NULL)
    {
      starter_arch = arch_from_starter (starter->value, &starter_kvm);
      if (starter_arch == NULL)
        reject (m, starter, _("not a QEMU system emulator Hangar knows "
                              "(qemu-system-<arch>, qemu, kvm, qemu-kvm)"));
      else
        info (m, starter->line, starter->name, starter->value,
              _("architecture %s; Hangar picks the emulator itself"), starter_arch);
    }
  if (arch != NULL)
    {
      alias = arch_lookup (arch->value);
      if (alias == NULL && starter_arch == NULL)
        reject (m, arch, _("not an architecture Hangar knows"));
      else if (alias == NULL)
        info (m, arch->line, arch->name, arch->value,
              _("not an architecture name; STARTERCALL gives %s"), starter_arch);
      else if (starter_arch != NULL && strcmp (alias->arch, starter_arch) != 0)
        {
          info (m, arch->line, arch->name, arch->value,
                _("means %s, but STARTERCALL runs %s; %s kept"),
                alias->arch, starter_arch, starter_arch);
          alias = NULL;
        }
    }

  if (starter_arch != NULL)
    set_str (&cfg->arch, starter_arch);
  else if (alias != NULL)
    set_str (&cfg->arch, alias->arch);
  else
    {
      set_str (&cfg->arch, "x86_64");
      info (m, 0, NULL, NULL, _("neither STARTERCALL nor ARCH names the architecture; "
                                "x86_64 assumed"));
    }

  if (alias != NULL && alias->machine != NULL)
    {
      set_str (&cfg->machine, alias->machine);
      info (m, arch->line, arch->name, arch->value,
            _("machine %s (the board QEMU emulates for it)"), alias->machine);
    }
  else if (strcmp (cfg->arch, "arm") == 0 && cfg->machine == NULL)
    {
      /* ctys' ARM examples relied on QEMU's default board of the time */
      set_str (&cfg->machine, "integratorcp");
      info (m, starter ? starter->line : 0, starter ? starter->name : NULL, NULL,
            _("machine integratorcp: QEMU's default ARM board when ctys was written "
              "(the QEMU arm-test kernel zImage.integrator needs it)"));
    }

  if (cpu != NULL)
    {
      g_autofree char *v = trimmed (cpu->value);

      if (v[0] == '\0')
        ;
      else if (is_token (v, "+", 64))
        set_str (&cfg->cpu_model, v);
      else
        reject (m, cpu, _("not a CPU model name"));
    }
  if (cfg->cpu_model == NULL && alias != NULL && alias->cpu != NULL)
    {
      set_str (&cfg->cpu_model, alias->cpu);
      info (m, arch->line, arch->name, arch->value, _("CPU model %s"), alias->cpu);
    }

  if (accel != NULL)
    {
      g_autofree char *v = trimmed (accel->value);

      if (g_ascii_strcasecmp (v, "KVM") == 0)
        cfg->accel = HG_ACCEL_KVM;
      else if (g_ascii_strcasecmp (v, "QEMU") == 0 || g_ascii_strcasecmp (v, "TCG") == 0 ||
               g_ascii_strcasecmp (v, "NONE") == 0)
        cfg->accel = HG_ACCEL_TCG;
      else if (g_ascii_strcasecmp (v, "KQEMU") == 0)
        {
          cfg->accel = HG_ACCEL_TCG;
          info (m, accel->line, accel->name, accel->value,
                _("KQEMU no longer exists; plain emulation (tcg) used"));
        }
      else if (g_ascii_strcasecmp (v, "AUTO") == 0 || v[0] == '\0')
        cfg->accel = HG_ACCEL_AUTO;
      else
        reject (m, accel, _("not KVM, QEMU or KQEMU"));
    }
  else if (starter_kvm)
    cfg->accel = HG_ACCEL_KVM;

  if (mem != NULL)
    {
      guint mib;

      if (parse_mib (mem->value, &mib))
        cfg->memory_mib = mib;
      else
        reject (m, mem, _("not a memory size in MiB (e.g. 512, 512M, 2G)"));
    }

  if (smp != NULL)
    {
      g_autofree char *v = trimmed (smp->value);
      guint64 n = 0;
      char *end = NULL;

      if (g_ascii_isdigit (v[0]))
        n = g_ascii_strtoull (v, &end, 10);
      if (n == 0 || n > HG_CONFIG_MAX_CPUS)
        reject (m, smp, _("not a CPU count (1–%u)"), HG_CONFIG_MAX_CPUS);
      else
        {
          cfg->cpus = (guint) n;
          if (end != NULL && *end != '\0')
            info (m, smp->line, smp->name, smp->value,
                  _("only the CPU count (%u) is kept"), cfg->cpus);
        }
    }
}

static void
map_guest (Map *m)
{
  static const char *const distrel_names[] = { "DISTREL", "RELEASE", NULL };
  static const char *const osrel_names[] = { "OSREL", "OSVERSION", NULL };
  static const char *const ip_names[] = { "IP", "IP0", NULL };
  HgVmConfig *cfg = m->cfg;
  CtysVar *dist = take (m, "DIST");
  CtysVar *distrel = take_first (m, distrel_names);
  CtysVar *os = take (m, "OS");
  CtysVar *osrel = take_first (m, osrel_names);
  CtysVar *ip = take_first (m, ip_names);
  CtysVar *mask = take (m, "NETMASK");

  dist = dist ? dist : take_meta (m, "DIST");
  distrel = distrel ? distrel : take_meta (m, "DISTREL");
  os = os ? os : take_meta (m, "OS");
  osrel = osrel ? osrel : take_meta (m, "OSREL");
  ip = ip ? ip : take_meta (m, "IP0");
  ip = ip ? ip : take_meta (m, "IP");

  if (dist != NULL && dist->value[0] != '\0')
    {
      set_str (&cfg->os_name, dist->value);
      if (distrel != NULL)
        set_str (&cfg->os_version, distrel->value);
      if (osrel != NULL && osrel->value[0] != '\0')
        g_key_file_set_string (m->extra, GROUP_GUEST, "os-release", osrel->value);
    }
  else if (os != NULL && os->value[0] != '\0')
    {
      set_str (&cfg->os_name, os->value);
      if (osrel != NULL)
        set_str (&cfg->os_version, osrel->value);
      if (distrel != NULL && distrel->value[0] != '\0')
        g_key_file_set_string (m->extra, GROUP_GUEST, "os-release", distrel->value);
    }
  else
    {
      if (distrel != NULL && distrel->value[0] != '\0')
        reject (m, distrel, _("a release without DIST or OS"));
      if (osrel != NULL && osrel->value[0] != '\0')
        reject (m, osrel, _("a release without DIST or OS"));
    }
  if (os != NULL && os->value[0] != '\0')
    {
      g_autofree char *family = g_ascii_strdown (os->value, -1);

      set_str (&cfg->os_family, g_strstrip (family));
    }

  if (ip != NULL && ip->value[0] != '\0')
    {
      g_autofree char *v = trimmed (ip->value);

      if (g_hostname_is_ip_address (v))
        g_key_file_set_string (m->extra, GROUP_GUEST, "ip", v);
      else
        reject (m, ip, _("not an IP address"));
    }
  if (mask != NULL && mask->value[0] != '\0')
    {
      g_autofree char *v = trimmed (mask->value);

      if (g_hostname_is_ip_address (v))
        g_key_file_set_string (m->extra, GROUP_GUEST, "netmask", v);
      else
        reject (m, mask, _("not a netmask"));
    }
}

static void
map_display (Map *m)
{
  static const char *const vga_names[] = { "VGA_DRIVER", "VGADRIVER", NULL };
  HgVmConfig *cfg = m->cfg;
  CtysVar *vga = take_first (m, vga_names);
  CtysVar *console = take (m, "CONSOLE");
  CtysVar *kbd = take (m, "KBD_LAYOUT");

  if (vga != NULL)
    {
      g_autofree char *v = trimmed (vga->value);
      g_auto(GStrv) words = g_strsplit_set (v, " \t", -1);
      const char *model = NULL;
      gboolean nographic = FALSE, bad = FALSE;

      for (guint i = 0; words[i] != NULL; i++)
        {
          const char *w = words[i];

          if (w[0] == '\0')
            continue;
          if (strcmp (w, "-nographic") == 0)
            nographic = TRUE;
          else if (strcmp (w, "-std-vga") == 0)
            model = "std";
          else if (strcmp (w, "-vga") == 0 && words[i + 1] != NULL)
            model = words[++i];
          else if (g_str_has_prefix (w, "-vga="))
            model = w + strlen ("-vga=");
          else if (w[0] != '-' && model == NULL)
            model = w;
          else
            bad = TRUE;
        }

      if (bad || (model != NULL && !is_vga_type (model)))
        reject (m, vga, _("not a QEMU display adapter (-vga TYPE, -std-vga or -nographic)"));
      else if (nographic)
        {
          set_str (&cfg->vga, "none");
          cfg->console = HG_CONSOLE_SERIAL;
          info (m, vga->line, vga->name, vga->value,
                _("no graphics: vga none, console on the serial port"));
        }
      else if (model != NULL)
        set_str (&cfg->vga, model);
    }

  if (console != NULL)
    {
      g_autofree char *v = trimmed (console->value);

      if (g_ascii_strcasecmp (v, "VNC") == 0)
        cfg->console = HG_CONSOLE_VNC;
      else if (g_ascii_strcasecmp (v, "SDL") == 0)
        cfg->console = HG_CONSOLE_SDL;
      else if (g_ascii_strncasecmp (v, "CLI", 3) == 0 || g_ascii_strcasecmp (v, "XTERM") == 0 ||
               g_ascii_strcasecmp (v, "GTERM") == 0 || g_ascii_strncasecmp (v, "EMACS", 5) == 0)
        cfg->console = HG_CONSOLE_SERIAL;
      else if (v[0] != '\0')
        reject (m, console, _("not a ctys console type (VNC, SDL, CLI, XTERM, GTERM, EMACS)"));
    }

  if (kbd != NULL && kbd->value[0] != '\0')
    {
      g_autofree char *v = trimmed (kbd->value);

      if (is_token (v, NULL, 16))
        set_str (&cfg->keymap, v);
      else
        reject (m, kbd, _("not a keyboard layout name"));
    }
}

static void
map_network (Map *m)
{
  HgVmConfig *cfg = m->cfg;
  CtysVar *nic_var = take (m, "NIC");
  CtysVar *wrapper = take (m, "WRAPPERCALL");
  g_autofree char *model = NULL;
  gboolean vdeq = FALSE;

  if (nic_var != NULL)
    {
      g_autofree char *v = trimmed (nic_var->value);

      if (v[0] == '\0')
        {
          const char *macs[] = { "MAC", "MAC0", "MAC1", "MAC2", "MAC3" };

          info (m, nic_var->line, nic_var->name, NULL,
                _("empty: ctys starts this VM without a network card, so does Hangar"));
          for (guint i = 0; i < G_N_ELEMENTS (macs); i++)
            {
              CtysVar *mac = g_hash_table_lookup (m->imp->vars, macs[i]);

              if (mac != NULL)
                reject (m, mac, _("no network card to give it to (NIC is empty)"));
            }
          return;
        }
      if (g_ascii_strcasecmp (v, "virtio") == 0 || g_ascii_strcasecmp (v, "virtio-net") == 0)
        model = g_strdup ("virtio-net-pci");
      else if (is_token (v, NULL, 64))
        model = g_steal_pointer (&v);
      else
        reject (m, nic_var, _("not a QEMU NIC model"));
    }

  if (wrapper != NULL)
    {
      g_autofree char *base = g_path_get_basename (wrapper->value);

      vdeq = g_str_has_prefix (base, "vdeq");
      if (!vdeq && g_ascii_strcasecmp (base, "NONE") != 0 && wrapper->value[0] != '\0')
        reject (m, wrapper, _("only the VDE wrapper vdeq is supported"));
    }

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = i == 0 ? g_strdup ("MAC0") : g_strdup_printf ("MAC%u", i);
      CtysVar *mac = take (m, name);
      g_autofree char *normalized = NULL;
      HgNic *nic;

      if (i == 0)
        {
          CtysVar *plain = take (m, "MAC");

          if (mac == NULL)
            mac = plain;
          else if (plain != NULL && g_strcmp0 (plain->value, mac->value) != 0)
            reject (m, plain, _("MAC0 (line %u) is used for the first network card"), mac->line);
          if (mac == NULL)
            mac = take_meta (m, "MAC0");
          if (mac == NULL)
            mac = take_meta (m, "MAC");
        }
      else if (mac == NULL)
        continue;

      nic = hg_nic_new (HG_NET_VDE);
      set_str (&nic->switch_name, "default");
      set_str (&nic->model, model);
      nic->vdeq = vdeq;

      if (mac != NULL && mac->value[0] != '\0')
        {
          normalized = normalize_mac (mac->value);
          if (normalized == NULL)
            reject (m, mac, _("not a unicast MAC address; a new one is generated"));
        }
      if (normalized == NULL)
        {
          normalized = hg_mac_generate ();
          info (m, mac ? mac->line : 0, mac ? mac->name : NULL, NULL,
                _("network card %u gets the generated MAC %s"), i, normalized);
        }
      set_str (&nic->mac, normalized);
      g_ptr_array_add (cfg->nics, nic);
    }
}

static void
map_storage (Map *m)
{
  static const char *const cdrom_names[] = { "INSTCDROM", "INSTSRCCDROM", "CDIMAGE", "DVDIMAGE", NULL };
  static const char *const floppy_names[] = { "FDDIMAGE", "INSTSRCFDD", "FDA", "FDB", NULL };
  static const char *const usb_names[] = { "USBBOOTIMAGE", "INSTSRCUSB", NULL };
  static const char *const more_disks[] = { "HDB", "HDC", "HDD", NULL };
  HgVmConfig *cfg = m->cfg;
  CtysVar *hdd = take (m, "HDDBOOTIMAGE");
  CtysVar *size = take (m, "HDDBOOTIMAGE_INST_SIZE");
  CtysVar *qemu_img = take (m, "QEMU_IMG");
  const char *create_format = "raw";

  if (qemu_img != NULL && qemu_img->value[0] != '\0')
    {
      g_autofree char *v = trimmed (qemu_img->value);

      if (strcmp (v, "raw") == 0 || strcmp (v, "qcow2") == 0)
        create_format = strcmp (v, "qcow2") == 0 ? "qcow2" : "raw";
      else
        reject (m, qemu_img, _("not an image format Hangar creates (raw, qcow2)"));
    }

  if (hdd != NULL && hdd->value[0] != '\0')
    {
      g_autofree char *path = resolve_path (m, hdd->value);

      add_disk (m, hdd, path, NULL);
      if (size != NULL)
        info (m, size->line, size->name, size->value,
              _("size for creating the image at install time; the image is %s"),
              hdd->value);
    }
  else if (size != NULL && size->value[0] != '\0')
    {
      /* ctys-createConfVM would create <label>.img of this size at install
       * time; Hangar never creates images on import. */
      g_autofree char *file = g_strconcat (m->imp->label, ".img", NULL);
      g_autofree char *path = resolve_path (m, file);

      g_ptr_array_add (cfg->disks, hg_disk_new (path, create_format, NULL));
      info (m, size->line, size->name, size->value,
            _("disk %s (%s) is not created by the import: create it with "
              "qemu-img create -f %s %s %s"),
            file, create_format, create_format, file, size->value);
    }

  for (guint i = 0; more_disks[i] != NULL; i++)
    {
      CtysVar *var = take (m, more_disks[i]);
      g_autofree char *path = NULL;

      if (var == NULL || var->value[0] == '\0')
        continue;
      path = resolve_path (m, var->value);
      add_disk (m, var, path, NULL);
    }

  for (guint i = 0; cdrom_names[i] != NULL; i++)
    {
      CtysVar *var = take (m, cdrom_names[i]);
      g_autofree char *path = var ? resolve_path (m, var->value) : NULL;

      if (path != NULL)
        add_medium (m, HG_MEDIUM_CDROM, path);
    }
  for (guint i = 0; floppy_names[i] != NULL; i++)
    {
      CtysVar *var = take (m, floppy_names[i]);
      g_autofree char *path = var ? resolve_path (m, var->value) : NULL;

      if (path != NULL)
        add_medium (m, HG_MEDIUM_FLOPPY, path);
    }
  for (guint i = 0; usb_names[i] != NULL; i++)
    {
      CtysVar *var = take (m, usb_names[i]);
      g_autofree char *path = var ? resolve_path (m, var->value) : NULL;

      if (path != NULL)
        add_medium (m, HG_MEDIUM_USB, path);
    }
}

static void
map_boot (Map *m)
{
  static const char *const kernel_names[] = { "KERNELIMAGE", "INST_KERNEL", NULL };
  static const char *const initrd_names[] = { "INITRDIMAGE", "INST_INITRD", NULL };
  static const char *const bootmode_names[] = { "BOOTMODE", "DEFAULTBOOTMODE", NULL };
  static const char *const instmode_names[] = { "INSTMODE", "DEFAULTINSTMODE", NULL };
  HgVmConfig *cfg = m->cfg;
  CtysVar *kernel = take_first (m, kernel_names);
  CtysVar *initrd = take_first (m, initrd_names);
  CtysVar *append = take (m, "APPEND");
  CtysVar *bootmode = take_first (m, bootmode_names);
  CtysVar *instmode = take_first (m, instmode_names);
  HgBootMode mode;
  gboolean have_mode = FALSE;

  if (kernel != NULL)
    {
      g_autofree char *path = resolve_path (m, kernel->value);

      set_str (&cfg->kernel, path);
    }
  if (initrd != NULL)
    {
      g_autofree char *path = resolve_path (m, initrd->value);

      set_str (&cfg->initrd, path);
    }
  if (append != NULL)
    set_str (&cfg->append, append->value);

  if (bootmode != NULL && bootmode->value[0] != '\0')
    {
      have_mode = boot_mode_from_ctys (bootmode->value, &mode);
      if (!have_mode)
        reject (m, bootmode, _("not a ctys boot mode (VHDD, CD, DVD, INSTALL, PXE, KERNEL, FDD, USB)"));
    }
  if (instmode != NULL && instmode->value[0] != '\0')
    {
      HgBootMode inst;

      if (!boot_mode_from_ctys (instmode->value, &inst))
        reject (m, instmode, _("not a ctys install mode (CD, DVD, HDD, FDD, USB, PXE)"));
      else if (have_mode)
        info (m, instmode->line, instmode->name, instmode->value,
              _("install with: --boot %s"), hg_boot_mode_to_string (inst));
      else
        {
          mode = inst;
          have_mode = TRUE;
        }
    }

  if (!have_mode)
    {
      /* The ctys wrapper passes -kernel whenever KERNELIMAGE is set */
      if (cfg->kernel != NULL)
        mode = HG_BOOT_KERNEL;
      else if (cfg->disks->len > 0)
        mode = HG_BOOT_DISK;
      else if (hg_vm_config_get_medium (cfg, HG_MEDIUM_CDROM) != NULL)
        mode = HG_BOOT_CDROM;
      else if (hg_vm_config_get_medium (cfg, HG_MEDIUM_FLOPPY) != NULL)
        mode = HG_BOOT_FLOPPY;
      else
        mode = HG_BOOT_PXE;
      info (m, 0, NULL, NULL, _("no BOOTMODE: boot mode %s chosen from what the file provides"),
            hg_boot_mode_to_string (mode));
    }
  cfg->boot_mode = mode;
}

/* Config values may not hold control characters: keep them as \n, \t, \xHH */
static char *
escape_controls (const char *value)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\t')
        g_string_append (out, "\\t");
      else if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\x%02x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Whatever was not taken over goes to the report and to [ctys]. */
static void
collect_unmapped (Map *m)
{
  HgCtysImport *imp = m->imp;
  GKeyFile *kf = m->extra;

  if (imp->path != NULL)
    g_key_file_set_string (kf, GROUP_CTYS, "imported-from", imp->path);

  for (guint i = 0; i < imp->order->len; i++)
    {
      CtysVar *var = g_ptr_array_index (imp->order, i);

      if (var->used)
        continue;
      g_autofree char *kept = escape_controls (var->value);

      g_key_file_set_string (kf, GROUP_CTYS, var->name, kept);
      hg_ctys_add_note (imp->map_notes, HG_CTYS_NOTE_UNMAPPED, var->line, var->name,
                        var->value, "%s",
                        var->reason ? var->reason : _("no Hangar setting for it"));
    }
  for (guint i = 0; i < imp->meta_order->len; i++)
    {
      CtysVar *var = g_ptr_array_index (imp->meta_order, i);
      g_autofree char *key = NULL;
      g_autofree char *shown = NULL;
      g_autofree char *kept = NULL;

      if (var->used)
        continue;
      key = g_strconcat ("meta-", var->name, NULL);
      shown = g_strconcat ("#@#", var->name, NULL);
      kept = escape_controls (var->value);
      g_key_file_set_string (kf, GROUP_CTYS, key, kept);
      hg_ctys_add_note (imp->map_notes, HG_CTYS_NOTE_UNMAPPED, var->line, shown,
                        var->value, "%s",
                        var->reason ? var->reason : _("ctys metadata with no Hangar setting"));
    }
}

static gint
note_cmp (gconstpointer a,
          gconstpointer b)
{
  const HgCtysNote *na = *(HgCtysNote *const *) a;
  const HgCtysNote *nb = *(HgCtysNote *const *) b;

  return (na->line > nb->line) - (na->line < nb->line);
}

static void
rebuild_views (HgCtysImport *self)
{
  g_ptr_array_set_size (self->notes, 0);
  g_ptr_array_set_size (self->unmapped, 0);
  g_ptr_array_set_size (self->ignored, 0);
  g_ptr_array_set_size (self->unevaluated, 0);

  for (guint i = 0; i < self->parse_notes->len; i++)
    g_ptr_array_add (self->notes, g_ptr_array_index (self->parse_notes, i));
  for (guint i = 0; i < self->map_notes->len; i++)
    g_ptr_array_add (self->notes, g_ptr_array_index (self->map_notes, i));
  g_ptr_array_sort (self->notes, note_cmp);  /* stable: keeps equal lines in order */

  for (guint i = 0; i < self->notes->len; i++)
    {
      HgCtysNote *note = g_ptr_array_index (self->notes, i);

      switch (note->kind)
        {
        case HG_CTYS_NOTE_UNMAPPED:
          g_ptr_array_add (self->unmapped, note);
          break;
        case HG_CTYS_NOTE_IGNORED_LINE:
          g_ptr_array_add (self->ignored, note);
          break;
        case HG_CTYS_NOTE_UNEVALUATED:
          g_ptr_array_add (self->unevaluated, note);
          break;
        case HG_CTYS_NOTE_INFO:
        default:
          break;
        }
    }
}

void
hg_ctys_import_ensure_mapped (HgCtysImport *self)
{
  g_autoptr(HgVmConfig) cfg = NULL;
  g_autoptr(GKeyFile) extra = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  Map m = { self, NULL, extra };

  if (self->mapped)
    return;
  self->mapped = TRUE;

  g_ptr_array_set_size (self->map_notes, 0);
  g_clear_pointer (&self->config, hg_vm_config_unref);
  g_clear_error (&self->map_error);
  g_clear_pointer (&self->label, g_free);
  for (guint i = 0; i < self->order->len; i++)
    {
      CtysVar *var = g_ptr_array_index (self->order, i);

      var->used = FALSE;
      g_clear_pointer (&var->reason, g_free);
    }
  for (guint i = 0; i < self->meta_order->len; i++)
    ((CtysVar *) g_ptr_array_index (self->meta_order, i))->used = FALSE;

  self->label = choose_label (self, self->map_notes, &self->map_error);

  /* Map even without a label, so that the report is complete. */
  cfg = hg_vm_config_new (self->label ? self->label : "imported");
  if (cfg->keyfile == NULL)
    cfg->keyfile = g_key_file_new ();
  if (cfg->disks == NULL)
    cfg->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_free);
  if (cfg->media == NULL)
    cfg->media = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_medium_free);
  if (cfg->nics == NULL)
    cfg->nics = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_nic_free);
  /* Only what the file says: no defaults of a new VM's devices */
  g_ptr_array_set_size (cfg->disks, 0);
  g_ptr_array_set_size (cfg->media, 0);
  g_ptr_array_set_size (cfg->nics, 0);
  set_str (&cfg->dir, self->dir);
  g_clear_pointer (&cfg->path, g_free);

  m.cfg = cfg;
  map_machine (&m);
  map_guest (&m);
  map_display (&m);
  map_network (&m);
  map_storage (&m);
  map_boot (&m);
  collect_unmapped (&m);

  /* Let the config lay out its own groups first, so that [machine] comes
   * first and [ctys] last in the written file. */
  g_free (hg_vm_config_to_data (cfg, NULL));
  groups = g_key_file_get_groups (extra, NULL);
  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (extra, groups[g], NULL, NULL);

      for (guint k = 0; keys[k] != NULL; k++)
        {
          g_autofree char *value = g_key_file_get_value (extra, groups[g], keys[k], NULL);

          g_key_file_set_value (cfg->keyfile, groups[g], keys[k], value);
        }
    }

  self->config = g_steal_pointer (&cfg);
  rebuild_views (self);
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

gboolean
hg_ctys_import_set_label (HgCtysImport  *self,
                          const char    *label,
                          GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (label != NULL, FALSE);

  if (!hg_label_is_valid (label, NULL))
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_INVALID_LABEL,
                   _("“%s” is not a valid label (1–64 of A–Z a–z 0–9 . _ -, "
                     "not starting with . or -)"), label);
      return FALSE;
    }
  g_free (self->label_override);
  self->label_override = g_strdup (label);
  self->mapped = FALSE;
  return TRUE;
}

const char *
hg_ctys_import_get_label (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  hg_ctys_import_ensure_mapped (self);
  return self->label;
}

GPtrArray *
hg_ctys_import_get_notes (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  hg_ctys_import_ensure_mapped (self);
  return self->notes;
}

GPtrArray *
hg_ctys_import_get_unmapped (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  hg_ctys_import_ensure_mapped (self);
  return self->unmapped;
}

GPtrArray *
hg_ctys_import_get_ignored_lines (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  hg_ctys_import_ensure_mapped (self);
  return self->ignored;
}

GPtrArray *
hg_ctys_import_get_unevaluated (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  hg_ctys_import_ensure_mapped (self);
  return self->unevaluated;
}

HgVmConfig *
hg_ctys_import_to_config (HgCtysImport  *self,
                          GError       **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  hg_ctys_import_ensure_mapped (self);
  if (self->map_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->map_error));
      return NULL;
    }
  return hg_vm_config_ref (self->config);
}
