/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <string.h>

#include "hg-cmdline-private.h"
#include "hg-install-script.h"

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
 *    was not checked and named here.
 *
 * The builder and the checks are in hg-cmdline-builder.c, the machine in
 * hg-cmdline-machine.c, the devices in hg-cmdline-devices.c; this file
 * calls them in order and they never call back. */

/* ------------------------------------------------------------------ */
/* Display */

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
  HgCmdlineBuilder b = { 0 };

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

  b.arch = _hg_cmdline_arch_info (config->arch);
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

          _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] machine",
                            "qemu-system-%s has no default machine: set [machine] machine (%s)",
                            config->arch, valid);
        }
      else if (hg_host_caps_get_emulator (caps, config->arch) != NULL)
        _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] machine",
                          "Hangar has no default machine for %s and does not know yet what "
                          "qemu-system-%s offers (run hangarctl check): set [machine] machine",
                          config->arch, config->arch);
      else
        _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] arch",
                          "unknown architecture \"%s\"", config->arch ? config->arch : "");
      return NULL;
    }
  machine = config->machine && *config->machine ? config->machine : b.arch->machine;
  if (!_hg_cmdline_is_word (machine, "_.-"))
    {
      _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_INVALID, "[machine] machine",
                        "\"%s\" is not a machine type name", machine);
      return NULL;
    }
  if (qemu != NULL && hg_qemu_caps_find_machine (qemu, machine) == NULL)
    {
      g_autofree char *valid = hg_qemu_caps_describe_machines (qemu, 8);

      _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] machine",
                        "qemu-system-%s has no machine \"%s\" (%s)", config->arch, machine, valid);
      return NULL;
    }
  if (qemu != NULL && config->cpu_model != NULL && *config->cpu_model != '\0' &&
      !hg_qemu_caps_has_cpu (qemu, config->cpu_model))
    {
      _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] cpu",
                        "qemu-system-%s has no CPU model \"%s\" "
                        "(qemu-system-%s -cpu help lists them)",
                        config->arch, config->cpu_model, config->arch);
      return NULL;
    }
  b.machine = machine;
  b.board = _hg_cmdline_board_info (config->arch, machine);
  if (b.board == NULL && qemu != NULL)
    {
      /* A versioned name (virt-7.2) is the board of its alias (virt) */
      const HgQemuMachine *m = hg_qemu_caps_find_machine (qemu, machine);

      if (m != NULL && m->alias != NULL)
        b.board = _hg_cmdline_board_info (config->arch, m->alias);
    }
  if (b.board == NULL)
    b.board = _hg_cmdline_generic_board ();

  emu = hg_host_caps_get_emulator (caps, config->arch);
  if (emu == NULL || emu->path == NULL)
    {
      _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_NO_EMULATOR, "[machine] arch",
                        "qemu-system-%s is not installed", config->arch);
      return NULL;
    }

  if (!hg_cmdline_choose_accel (config, caps, &b.accel, error))
    return NULL;
  if (!_hg_cmdline_resolve_firmware (&b))
    return NULL;
  _hg_cmdline_adapt_to_guest (&b);

  if (!_hg_cmdline_check_boot_needs (&b))
    return NULL;
  if (images != NULL &&
      (images->disks == NULL || images->disks->len != (config->disks ? config->disks->len : 0) ||
       images->media == NULL || images->media->len != (config->media ? config->media->len : 0)))
    {
      _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_INVALID, NULL,
                        "the checked images do not match the config's disks and media");
      return NULL;
    }

  vdeq = _hg_cmdline_config_wants_vdeq (config);
  if (vdeq && caps->vdeq == NULL)
    {
      _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[net] vdeq",
                        "vdeq is asked for but not installed (Debian package vde2)");
      return NULL;
    }
  if (vdeq && caps->vdeq_wrapper == NULL)
    {
      _hg_cmdline_fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[net] vdeq",
                        "vdeq is asked for but hangar-vdeq-qemu, which adapts vdeq's "
                        "-net tap,vlan= "
                        "to QEMU 3.0 and later, is not installed");
      return NULL;
    }

  argv = g_ptr_array_new_with_free_func (g_free);
  b.argv = argv;

  if (vdeq)
    {
      /* The manual's vdeqemu: vdeq opens the switch plug, then execs the
       * wrapper, which execs QEMU with the plug passed as a file descriptor. */
      _hg_cmdline_add (&b, caps->vdeq);
      _hg_cmdline_add (&b, caps->vdeq_wrapper);
    }
  _hg_cmdline_add (&b, emu->path);

  if (!_hg_cmdline_add_identity (&b))
    return NULL;
  _hg_cmdline_add (&b, "-no-user-config");
  _hg_cmdline_add (&b, "-nodefaults");
  /* an express install: the installer's reboot at its end ends QEMU, and
   * the VM's watcher switches it to its disk (hg-install-phase.h) */
  if (hg_install_phase_active (b.config))
    _hg_cmdline_add (&b, "-no-reboot");
  if (emu->sandbox)
    _hg_cmdline_add2 (&b, "-sandbox", HG_HOST_SANDBOX_OPTIONS);
  if (!_hg_cmdline_add_machine (&b))
    return NULL;
  if (!_hg_cmdline_add_tpm (&b))
    return NULL;
  _hg_cmdline_add_guest_clock (&b);
  _hg_cmdline_add_runtime (&b);
  if (!_hg_cmdline_add_display (&b))
    return NULL;
  if (!_hg_cmdline_add_disks (&b))
    return NULL;
  /* after the disks: savevm puts the RAM into the first snapshot-capable
   * node, which should be disk 0, not the UEFI variables */
  if (!_hg_cmdline_add_firmware (&b))
    return NULL;
  if (!_hg_cmdline_add_media (&b))
    return NULL;
  if (!_hg_cmdline_add_nics (&b, vdeq))
    return NULL;
  if (!_hg_cmdline_add_shares (&b))
    return NULL;
  if (!_hg_cmdline_add_boot (&b))
    return NULL;

  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}
