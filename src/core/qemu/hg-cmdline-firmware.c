/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <string.h>

#include "hg-cmdline-private.h"
#include "hg-swtpm.h"

/* UEFI firmware as libvirt gives it: the descriptor's code read-only on
 * pflash0, the VM's own variables (a qcow2 file in its folder, so that
 * internal snapshots cover them) on pflash1, both as -blockdev nodes
 * named on -machine; Secure Boot's SMM build with smm=on and the flash
 * locked to SMM (cfi.pflash01 secure=on). */

/* Without the emulator's capabilities, the versioned family of the usual
 * aliases, for the descriptors' globs (pc-q35-*, virt-*) */
static const struct {
  const char *alias;
  const char *family;
} alias_families[] = {
  { "q35", "pc-q35-" },
  { "pc", "pc-i440fx-" },
  { "virt", "virt-" },
};

static const HgFirmware *
select_for (HgVmConfig        *c,
            const HgHostCaps  *caps,
            const char        *machine,
            GError           **error)
{
  const HgQemuCaps *qemu = hg_host_caps_get_qemu_caps (caps, c->arch);
  const char *canonical = NULL;

  if (qemu != NULL)
    {
      const HgQemuMachine *m = hg_qemu_caps_find_machine (qemu, machine);

      if (m != NULL)
        canonical = m->name;
    }
  for (guint i = 0; canonical == NULL && i < G_N_ELEMENTS (alias_families); i++)
    if (strcmp (machine, alias_families[i].alias) == 0)
      canonical = alias_families[i].family;
  return hg_firmware_select (caps->firmwares, c->firmware, c->arch, machine, canonical, error);
}

const HgFirmware *
hg_cmdline_select_firmware (HgVmConfig        *config,
                            const HgHostCaps  *caps,
                            GError           **error)
{
  const char *machine;

  g_return_val_if_fail (config != NULL && caps != NULL, NULL);

  if (config->firmware == HG_FIRMWARE_BIOS)
    return NULL;
  machine = config->machine != NULL && *config->machine != '\0'
              ? config->machine : hg_cmdline_default_machine (config->arch);
  if (machine == NULL)
    {
      g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED,
                   "%s: [machine] firmware: UEFI needs a known machine type",
                   config->path != NULL ? config->path : config->label);
      return NULL;
    }
  return select_for (config, caps, machine, error);
}

gboolean
_hg_cmdline_resolve_firmware (HgCmdlineBuilder *b)
{
  HgVmConfig *c = b->config;
  GError *local = NULL;

  b->firmware = NULL;
  if (c->firmware == HG_FIRMWARE_BIOS)
    return TRUE;
  if (hg_firmware_kind_to_string (c->firmware) == NULL)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] firmware",
                             "%d is not a firmware", (int) c->firmware);

  b->firmware = select_for (c, b->caps, b->machine, &local);
  if (b->firmware == NULL)
    {
      _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] firmware", "%s",
                        local->message);
      g_error_free (local);
      return FALSE;
    }

  /* UEFI follows bootindex, not -boot order= */
  b->uefi_board = *b->board;
  if (b->uefi_board.boot == BOOT_BY_ORDER)
    b->uefi_board.boot = BOOT_BY_INDEX;
  b->board = &b->uefi_board;
  return TRUE;
}

char *
_hg_cmdline_firmware_machine_props (HgCmdlineBuilder *b)
{
  if (b->firmware == NULL)
    return g_strdup ("");
  return g_strdup_printf (",pflash0=fw-code,pflash1=fw-vars%s",
                          (b->firmware->features & HG_FIRMWARE_FEATURE_REQUIRES_SMM) ? ",smm=on" : "");
}

gboolean
_hg_cmdline_add_firmware (HgCmdlineBuilder *b)
{
  const HgFirmware *fw = b->firmware;
  HgDiskImageLayer *layer;
  g_autoptr(HgDiskImageInfo) code = NULL;
  g_autofree char *vars = NULL;

  if (fw == NULL)
    return TRUE;

  /* the code: the descriptor's file (checked when it was loaded), read-only */
  layer = g_new0 (HgDiskImageLayer, 1);
  layer->filename = g_strdup (fw->executable);
  layer->format = g_strdup (fw->executable_format);
  code = g_new0 (HgDiskImageInfo, 1);
  code->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_layer_free);
  g_ptr_array_add (code->layers, layer);
  if (!_hg_cmdline_add_image (b, "[machine] firmware", "fw-code", fw->executable,
                              fw->executable_format, code, TRUE))
    return FALSE;

  /* the variables: the VM's own, checked like a disk image at the start */
  vars = g_strdup (hg_firmware_nvram_name (b->config->firmware));
  if (!_hg_cmdline_add_image (b, "[machine] firmware", "fw-vars", vars, "qcow2",
                              b->images != NULL ? b->images->nvram : NULL, FALSE))
    return FALSE;

  if (fw->features & HG_FIRMWARE_FEATURE_REQUIRES_SMM)
    _hg_cmdline_add2 (b, "-global", "driver=cfi.pflash01,property=secure,value=on");
  return TRUE;
}

/* A TPM 2.0 through swtpm (hg-swtpm.h), whose control socket the start
 * binds in the runtime dir: QEMU's tpm-emulator backend on it, and the
 * arch's TPM device */
gboolean
_hg_cmdline_add_tpm (HgCmdlineBuilder *b)
{
  HgVmConfig *c = b->config;
  g_autofree char *sock = NULL;
  g_autofree char *escaped = NULL;
  const char *device;

  if (!c->tpm)
    return TRUE;
  if (g_strcmp0 (c->arch, "x86_64") == 0 || g_strcmp0 (c->arch, "i386") == 0)
    device = "tpm-crb";
  else if (g_strcmp0 (c->arch, "aarch64") == 0 && g_strcmp0 (b->board->machine, "virt") == 0)
    device = "tpm-tis-device";
  else
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] tpm",
                             "a TPM is offered on x86 and on the aarch64 virt board only, not on "
                             "%s machine %s", c->arch, b->machine);

  sock = g_build_filename (b->runtime->dir, HG_SWTPM_SOCKET, NULL);
  escaped = hg_cmdline_escape (sock);
  _hg_cmdline_add_printf (b, "-chardev", "socket,id=chrtpm,path=%s", escaped);
  _hg_cmdline_add2 (b, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm");
  _hg_cmdline_add_printf (b, "-device", "%s,tpmdev=tpm0", device);
  return TRUE;
}
