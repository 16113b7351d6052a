/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <string.h>

#include "hg-cmdline-private.h"

/* Command assembly, in the spirit of libvirt's qemu_command.c: a pure
 * function from (config, boot mode, runtime paths, host caps) to an argv.
 * Nothing here touches the file system or the environment.
 *
 * Safety rules kept throughout:
 *  - every user value that goes into a QEMU option list (key=value,...) is
 *    passed through hg_cmdline_escape(), so a ',' cannot start a new key;
 *  - every user value that gets an argv slot of its own follows the option
 *    that consumes it (-kernel PATH, -append TEXT ...), and paths are made
 *    absolute, so nothing a user writes can be read as an option;
 *  - control characters (newline ...) in paths are refused;
 *  - every image is an explicit -blockdev node graph in JSON with the
 *    configured format: nothing is probed, no backing file is opened that
 *    was not checked and named here. */

G_DEFINE_QUARK (hg-cmdline-error-quark, hg_cmdline_error)

/* ------------------------------------------------------------------ */
/* Escaping and checks */

char *
hg_cmdline_escape (const char *value)
{
  GString *s;

  g_return_val_if_fail (value != NULL, NULL);

  s = g_string_sized_new (strlen (value) + 8);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == ',')
        g_string_append_c (s, ',');
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static gboolean
is_safe_display_char (char c)
{
  return g_ascii_isalnum (c) || strchr ("_@%+=:,./-", c) != NULL;
}

char *
hg_cmdline_to_display (const char * const *argv)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (argv != NULL, NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *arg = argv[i];
      gboolean plain = *arg != '\0';

      for (const char *p = arg; *p != '\0' && plain; p++)
        plain = is_safe_display_char (*p);
      if (i > 0)
        g_string_append_c (s, ' ');
      if (plain)
        g_string_append (s, arg);
      else
        {
          g_autofree char *quoted = g_shell_quote (arg);
          g_string_append (s, quoted);
        }
    }
  return g_string_free (s, FALSE);
}

static void
add (Builder    *b,
     const char *arg)
{
  g_ptr_array_add (b->argv, g_strdup (arg));
}

void
hg_cmdline_add2 (Builder    *b,
                 const char *opt,
                 const char *value)
{
  add (b, opt);
  add (b, value);
}

void
hg_cmdline_add_printf (Builder    *b,
                       const char *opt,
                       const char *format,
                       ...)
{
  va_list args;

  if (opt != NULL)
    add (b, opt);
  va_start (args, format);
  g_ptr_array_add (b->argv, g_strdup_vprintf (format, args));
  va_end (args);
}

gboolean
hg_cmdline_fail (Builder    *b,
                 int         code,
                 const char *key,
                 const char *format,
                 ...)
{
  g_autofree char *msg = NULL;
  const char *file = b->config->path ? b->config->path : b->config->label;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (key != NULL)
    g_set_error (b->error, HG_CMDLINE_ERROR, code, "%s: %s: %s", file ? file : "VM", key, msg);
  else
    g_set_error (b->error, HG_CMDLINE_ERROR, code, "%s: %s", file ? file : "VM", msg);
  return FALSE;
}

gboolean
hg_cmdline_has_control_chars (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* [A-Za-z0-9] plus extra characters, non-empty */
gboolean
hg_cmdline_is_word (const char *s,
                    const char *extra)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (extra, *p) == NULL)
      return FALSE;
  return TRUE;
}

/* A path from the config made absolute (relative to the VM directory),
 * refusing what cannot be passed safely.  key names it in errors. */
char *
hg_cmdline_resolve_path (Builder    *b,
                         const char *key,
                         const char *path)
{
  if (path == NULL || *path == '\0')
    {
      hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, key, "no path given");
      return NULL;
    }
  if (hg_cmdline_has_control_chars (path))
    {
      hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key,
                       "the path contains a newline or another control character");
      return NULL;
    }
  if (g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  if (b->config->dir == NULL || !g_path_is_absolute (b->config->dir))
    {
      hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key,
                       "relative path \"%s\" but the VM has no directory", path);
      return NULL;
    }
  return g_canonicalize_filename (path, b->config->dir);
}

char *
hg_cmdline_group_key (const char *group,
                      guint       index,
                      const char *key)
{
  return g_strdup_printf ("[%s:%u] %s", group, index, key);
}

/* ------------------------------------------------------------------ */
/* Accelerator */

gboolean
hg_cmdline_choose_accel (HgVmConfig        *config,
                         const HgHostCaps  *caps,
                         HgAccel           *out_accel,
                         GError           **error)
{
  gboolean usable;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (caps != NULL, FALSE);
  g_return_val_if_fail (out_accel != NULL, FALSE);

  /* HANGAR_ACCEL=tcg is a deliberate override: it wins over the config. */
  if (caps->force_tcg)
    {
      *out_accel = HG_ACCEL_TCG;
      return TRUE;
    }

  usable = hg_host_caps_kvm_usable_for (caps, config->arch);
  switch (config->accel)
    {
    case HG_ACCEL_TCG:
      *out_accel = HG_ACCEL_TCG;
      return TRUE;
    case HG_ACCEL_AUTO:
      *out_accel = usable ? HG_ACCEL_KVM : HG_ACCEL_TCG;
      return TRUE;
    case HG_ACCEL_KVM:
      if (usable)
        {
          *out_accel = HG_ACCEL_KVM;
          return TRUE;
        }
      if (!caps->kvm_usable)
        g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED,
                     "%s: [machine] accel: kvm was asked for, but KVM is not usable on "
                     "this host: %s", config->path ? config->path : config->label,
                     caps->kvm_reason ? caps->kvm_reason : "not probed");
      else
        g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED,
                     "%s: [machine] accel: kvm was asked for, but KVM on this %s host "
                     "cannot run %s guests (use accel=tcg or auto)",
                     config->path ? config->path : config->label,
                     caps->host_arch ? caps->host_arch : "unknown",
                     config->arch ? config->arch : "?");
      return FALSE;
    default:
      g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_INVALID,
                   "[machine] accel: unknown accelerator %d", (int) config->accel);
      return FALSE;
    }
}

/* ------------------------------------------------------------------ */

GStrv
hg_cmdline_build (HgVmConfig            *config,
                  HgBootMode             boot_mode,
                  const HgRuntimePaths  *runtime,
                  const HgHostCaps      *caps,
                  const HgVmImages      *images,
                  GError               **error)
{
  g_autoptr(GPtrArray) argv = NULL;
  const HgEmulator *emu;
  const HgQemuCaps *qemu;
  const char *machine;
  gboolean vdeq;
  Builder b = { 0 };

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (runtime != NULL, NULL);
  g_return_val_if_fail (caps != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  b.config = config;
  b.caps = caps;
  b.runtime = runtime;
  b.images = images;
  b.boot_mode = boot_mode;
  b.error = error;
  b.next_bootindex = 2;

  /* Which arches and boards exist is asked of QEMU (hg-qemu-caps.h):
   * caps->qemu_caps, which hg_host_caps_probe() fills from the cache;
   * without them, a board Hangar has no defaults for is left to QEMU to
   * accept or refuse at start. */
  qemu = hg_host_caps_get_qemu_caps (caps, config->arch);

  b.arch = hg_cmdline_arch_info (config->arch);
  if (b.arch == NULL && qemu != NULL && hg_qemu_caps_get_default_machine (qemu) != NULL)
    {
      /* An arch QEMU offers that Hangar has no defaults for */
      b.generic_arch.arch = config->arch;
      b.generic_arch.machine = hg_qemu_caps_get_default_machine (qemu);
      b.generic_arch.disk_if = "none";
      b.generic_arch.nic_model = NULL;
      b.arch = &b.generic_arch;
    }
  if (b.arch == NULL)
    {
      if (qemu != NULL)
        {
          g_autofree char *valid = hg_qemu_caps_describe_machines (qemu, 8);

          hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] machine",
                           "qemu-system-%s has no default machine: set [machine] machine (%s)",
                           config->arch, valid);
        }
      else if (hg_host_caps_get_emulator (caps, config->arch) != NULL)
        hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] machine",
                         "Hangar has no default machine for %s and does not know yet what "
                         "qemu-system-%s offers (run hangarctl check): set [machine] machine",
                         config->arch, config->arch);
      else
        hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] arch",
                         "unknown architecture \"%s\"", config->arch ? config->arch : "");
      return NULL;
    }
  machine = config->machine && *config->machine ? config->machine : b.arch->machine;
  if (!hg_cmdline_is_word (machine, "_.-"))
    {
      hg_cmdline_fail (&b, HG_CMDLINE_ERROR_INVALID, "[machine] machine",
                       "\"%s\" is not a machine type name", machine);
      return NULL;
    }
  if (qemu != NULL && hg_qemu_caps_find_machine (qemu, machine) == NULL)
    {
      g_autofree char *valid = hg_qemu_caps_describe_machines (qemu, 8);

      hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] machine",
                       "qemu-system-%s has no machine \"%s\" (%s)", config->arch, machine, valid);
      return NULL;
    }
  if (qemu != NULL && config->cpu_model != NULL && *config->cpu_model != '\0' &&
      !hg_qemu_caps_has_cpu (qemu, config->cpu_model))
    {
      hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] cpu",
                       "qemu-system-%s has no CPU model \"%s\" (qemu-system-%s -cpu help lists them)",
                       config->arch, config->cpu_model, config->arch);
      return NULL;
    }
  b.machine = machine;
  b.board = hg_cmdline_board_info (config->arch, machine);
  if (b.board == NULL && qemu != NULL)
    {
      /* A versioned name (virt-7.2) is the board of its alias (virt) */
      const HgQemuMachine *m = hg_qemu_caps_find_machine (qemu, machine);

      if (m != NULL && m->alias != NULL)
        b.board = hg_cmdline_board_info (config->arch, m->alias);
    }
  if (b.board == NULL)
    b.board = hg_cmdline_generic_board ();

  emu = hg_host_caps_get_emulator (caps, config->arch);
  if (emu == NULL || emu->path == NULL)
    {
      hg_cmdline_fail (&b, HG_CMDLINE_ERROR_NO_EMULATOR, "[machine] arch",
                       "qemu-system-%s is not installed", config->arch);
      return NULL;
    }

  if (!hg_cmdline_choose_accel (config, caps, &b.accel, error))
    return NULL;
  if (!hg_cmdline_resolve_firmware (&b))
    return NULL;
  hg_cmdline_adapt_to_guest (&b);

  if (!hg_cmdline_check_boot_needs (&b))
    return NULL;
  if (images != NULL &&
      (images->disks == NULL || images->disks->len != (config->disks ? config->disks->len : 0) ||
       images->media == NULL || images->media->len != (config->media ? config->media->len : 0)))
    {
      hg_cmdline_fail (&b, HG_CMDLINE_ERROR_INVALID, NULL,
                       "the checked images do not match the config's disks and media");
      return NULL;
    }

  vdeq = hg_cmdline_config_wants_vdeq (config);
  if (vdeq && caps->vdeq == NULL)
    {
      hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[net] vdeq",
                       "vdeq is asked for but not installed (Debian package vde2)");
      return NULL;
    }
  if (vdeq && caps->vdeq_wrapper == NULL)
    {
      hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[net] vdeq",
                       "vdeq is asked for but hangar-vdeq-qemu, which adapts vdeq's -net tap,vlan= "
                       "to QEMU 3.0 and later, is not installed");
      return NULL;
    }

  argv = g_ptr_array_new_with_free_func (g_free);
  b.argv = argv;

  if (vdeq)
    {
      /* The manual's vdeqemu: vdeq opens the switch plug, then execs the
       * wrapper, which execs QEMU with the plug passed as a file descriptor. */
      add (&b, caps->vdeq);
      add (&b, caps->vdeq_wrapper);
    }
  add (&b, emu->path);

  if (!hg_cmdline_add_identity (&b))
    return NULL;
  add (&b, "-no-user-config");
  add (&b, "-nodefaults");
  if (emu->sandbox)
    hg_cmdline_add2 (&b, "-sandbox", HG_HOST_SANDBOX_OPTIONS);
  if (!hg_cmdline_add_machine (&b))
    return NULL;
  if (!hg_cmdline_add_tpm (&b))
    return NULL;
  hg_cmdline_add_guest_clock (&b);
  hg_cmdline_add_runtime (&b);
  if (!hg_cmdline_add_display (&b))
    return NULL;
  if (!hg_cmdline_add_disks (&b))
    return NULL;
  /* after the disks: savevm puts the RAM into the first snapshot-capable
   * node, which should be disk 0, not the UEFI variables */
  if (!hg_cmdline_add_firmware (&b))
    return NULL;
  if (!hg_cmdline_add_media (&b))
    return NULL;
  if (!hg_cmdline_add_nics (&b, vdeq))
    return NULL;
  if (!hg_cmdline_add_shares (&b))
    return NULL;
  if (!hg_cmdline_add_boot (&b))
    return NULL;

  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}
