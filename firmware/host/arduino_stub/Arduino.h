/*
 * A minimal stand-in for the Arduino core, so that the test suite can check that
 * stride_box.ino compiles (syntax and types) on a host without the Arduino toolchain.
 * Declarations only: the sketch is compiled with -fsyntax-only, never linked or run.
 */
#ifndef ARDUINO_STUB_H
#define ARDUINO_STUB_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define A0 14
#define A1 15
#define A2 16
#define A3 17
#define INPUT_PULLUP 2
#define CHANGE 1

struct SerialStub {
    void begin(unsigned long baud);
    int availableForWrite();
    size_t write(const uint8_t *data, size_t n);
};
extern SerialStub Serial;

unsigned long micros();
int analogRead(uint8_t pin);
void analogReadResolution(int bits);
int digitalRead(uint8_t pin);
void pinMode(uint8_t pin, uint8_t mode);
int digitalPinToInterrupt(uint8_t pin);
void attachInterrupt(int irq, void (*isr)(void), int mode);
void noInterrupts();
void interrupts();
void delayMicroseconds(unsigned int us);

template <typename T> T min(T a, T b) { return a < b ? a : b; }

#endif
