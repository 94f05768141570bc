/*
 * Host test program for the firmware's frame code (firmware/stride_box/stride_frame.c).
 *
 * Built and run by tests/devices/sensorbox/test_sensorbox_firmware.py with the system C
 * compiler; the Python decoder must decode its output exactly. Usage:
 *   emit_frames frames   binary frames with known values on stdout (see below)
 *   emit_frames spec     the SAMPLES example of docs/protocol.md
 *   emit_frames vectors  CRC and COBS test vectors as text lines
 */
#include <stdio.h>
#include <string.h>

#include "../stride_box/stride_frame.h"

static unsigned char buf[SF_MAX_WIRE];

static int emit(size_t n) {
    if (n == 0) {
        return 1;
    }
    return fwrite(buf, 1, n, stdout) == n ? 0 : 1;
}

static void hex(const unsigned char *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
}

static int frames(void) {
    sf_hello_t h;
    int16_t small[10 * 4];
    int16_t big[64 * 4];
    int s, c, bad = 0;
    memset(&h, 0, sizeof h);
    h.fw_major = 1;
    h.fw_minor = 2;
    memcpy(h.device_id, "STRIDE01", 8);
    h.sample_rate_hz = 1000;
    h.adc_bits = 10;
    h.belt_counts_per_m = 1234.5f;
    h.n_channels = 4;
    h.channels[0].role = SF_ROLE(SF_SIDE_LEFT, SF_PLACE_HEEL);
    h.channels[0].offset = 12;
    h.channels[0].scale = 0.5f;
    h.channels[1].role = SF_ROLE(SF_SIDE_LEFT, SF_PLACE_TOE);
    h.channels[1].offset = -3;
    h.channels[1].scale = 0.25f;
    h.channels[2].role = SF_ROLE(SF_SIDE_RIGHT, SF_PLACE_HEEL);
    h.channels[3].role = SF_ROLE(SF_SIDE_RIGHT, SF_PLACE_TOE);
    h.channels[3].offset = 7;
    h.channels[3].scale = 1.5f;
    for (s = 0; s < 10; s++) {
        for (c = 0; c < 4; c++) {
            small[s * 4 + c] = (int16_t)((s * 37 + c * 101) % 1024 - 5 * c);
        }
    }
    small[5] = -32768;
    small[6] = 32767;
    small[7] = 0;
    for (s = 0; s < 64 * 4; s++) {
        big[s] = 0x0101; /* 512 non-zero bytes in a row: COBS 0xFF blocks */
    }
    bad |= emit(sf_build_hello(buf, 0, 0xFFFF0000UL, &h));
    bad |= emit(sf_build_samples(buf, 1, 0xFFFF0000UL + 1000, 1000, 4, 10, small));
    bad |= emit(sf_build_samples(buf, 2, 0xFFFFFF00UL, 1000, 4, 64, big));
    bad |= emit(sf_build_belt(buf, 3, 0x10000, -25, 20000)); /* after the wrap */
    bad |= emit(sf_build_status(buf, 4, 0x10100, SF_FLAG_SATURATED | SF_FLAG_ENCODER, 123456,
                                4950));
    bad |= emit(sf_build_error(buf, 5, 0x10200, SF_ERR_SHORTED, "R-toe shorted"));
    return bad;
}

static int spec(void) {
    int16_t v[2] = {100, -2};
    return emit(sf_build_samples(buf, 1, 1000, 1000, 2, 1, v));
}

static int vectors(void) {
    static const unsigned char v3[] = {0x31, 0x32, 0x33, 0x34, 0x35, 0x00,
                                       0x36, 0x37, 0x38, 0x39};
    static const unsigned char v2[] = {0x00};
    unsigned char out[32];
    size_t n;
    printf("crc %04x\n", sf_crc16((const uint8_t *)"123456789", 9));
    n = sf_cobs_encode(v3, 0, out);
    printf("cobs - ");
    hex(out, n);
    printf("\ncobs ");
    hex(v2, 1);
    printf(" ");
    n = sf_cobs_encode(v2, 1, out);
    hex(out, n);
    printf("\ncobs ");
    hex(v3, sizeof v3);
    printf(" ");
    n = sf_cobs_encode(v3, sizeof v3, out);
    hex(out, n);
    printf("\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "frames") == 0) {
        return frames();
    }
    if (argc == 2 && strcmp(argv[1], "spec") == 0) {
        return spec();
    }
    if (argc == 2 && strcmp(argv[1], "vectors") == 0) {
        return vectors();
    }
    fprintf(stderr, "usage: emit_frames frames|spec|vectors\n");
    return 2;
}
